"""Reminder talks (约谈提醒) and the negative list (负面清单) in supervision, on
each backend over the real broker: the tree and the members told as events,
the quota results MISSED and an item ESCALATED (part "items" writes that
state) put in supervision's tables as the close and the escalation leave
them; the proposals of a quarter, a talk recorded once, the automatic and
manual entries of a year, and the reads served by their indexes."""
import datetime as dt
import uuid

import pytest
from sqlalchemy import insert, text

from services.supervision.models import (members, negative_list_entries, quota_state,
                                         supervision_items)
from services.supervision.negative_list_views import manual_rows
from services.supervision.reminder_views import misses
from services.supervision.service import SupervisionService
from shared.errors import BadInput, Conflict, NotFound
from shared.events import Envelope
from shared.tree import path_of
from tests.explain import explain
from tests.integration.conftest import publish, wait_for
from tests.integration.test_quota_state import City, count_of, known

TODAY = "2017-07-10"


def member(city, branch, roles=("member",)):
    member_id = uuid.uuid4().hex
    publish(city.uri, Envelope.new("member_registered", city.paths[branch][1], {
        "member_id": member_id, "name": member_id[:6], "branch_id": branch, "group_id": None,
        "roles": list(roles)}), source="organization", routing_key="member_registered")
    return member_id


def missed(engine, city, rule, period, subject, branch=None, end="2017-12-31"):
    """A quota result MISSED as a close leaves it; ``branch`` for a member's."""
    path = path_of(city.paths[branch]) + subject + "/" if branch else path_of(city.paths[subject])
    with engine.begin() as conn:
        conn.execute(insert(quota_state).values(
            rule=rule, subject_id=subject, period=period, member=branch is not None,
            bureau_id=city.paths[branch or subject][1], subject_path=path,
            period_end=dt.date.fromisoformat(end), required=1, actual=0, status="MISSED",
            closed=True))


@pytest.fixture
def world(services, rpc, vhost, engine_of, monkeypatch):
    monkeypatch.setenv("XF_TODAY", TODAY)
    services(SupervisionService)
    db = engine_of("supervision")
    city = City(vhost.uri)
    bureau = city.org("BUREAU", city.city)
    committee = city.org("COMMITTEE", bureau)
    a, b = city.org("BRANCH", committee), city.org("BRANCH", committee)
    plain, lead = member(city, a), member(city, a, ("member", "bureau_committee"))
    wait_for(known(db, 5), what="the tree")
    wait_for(lambda: count_of(db, members) == 2, what="the members")
    # A: two of its own in Q2, and its member's; B: one in Q2, an item escalated in Q1
    missed(db, city, "A1", "2017-04", a)
    missed(db, city, "A2-CM", "2017-05", a)
    missed(db, city, "S4", "2017-Q2", plain, branch=a)
    missed(db, city, "A1", "2017-06", b)
    for rule in ("S5-COM", "A7-LEAD", "P5"):
        missed(db, city, rule, "2017", lead, branch=a)
    with db.begin() as conn:
        conn.execute(insert(supervision_items).values(
            id=uuid.uuid4().hex, org_id=b, bureau_id=bureau, rule="A2-GM", period="2017-Q1",
            state="ESCALATED", opened_at=dt.datetime(2017, 4, 1, tzinfo=dt.timezone.utc),
            due_on=dt.date(2017, 4, 16)))
    return {"city": city, "bureau": bureau, "committee": committee, "a": a, "b": b,
            "plain": plain, "lead": lead, "db": db}


def test_a_quarter_with_two_misses_proposes_a_talk_recorded_once(world, rpc):
    w = world
    [proposal] = rpc.supervision.reminder_proposals(w["bureau"], "2017-Q2")
    assert (proposal["org_id"], proposal["quarter"], proposal["talk_held_on"]) == (
        w["a"], "2017-Q2", None)
    assert proposal["org_path"] == w["city"].paths[w["a"]]
    assert [(m["rule"], m["period"], m["subject_id"], m["status"])
            for m in proposal["missed"]] == [
        ("A1", "2017-04", w["a"], "MISSED"), ("A2-CM", "2017-05", w["a"], "MISSED"),
        ("S4", "2017-Q2", w["plain"], "MISSED")]
    assert rpc.supervision.reminder_proposals(w["b"], "2017-Q2") == []     # one miss
    assert rpc.supervision.reminder_proposals(w["a"], "2017-Q1") == []

    with pytest.raises(Conflict) as caught:
        rpc.supervision.record_reminder_talk(w["b"], "2017-Q2", "2017-07-01", "sec")
    assert "no reminder proposal" in str(caught.value)
    with pytest.raises(BadInput):
        rpc.supervision.record_reminder_talk(w["a"], "2017-Q2", "2017-07-11", "sec")
    with pytest.raises(BadInput):
        rpc.supervision.record_reminder_talk(w["a"], "2017-06", "2017-07-01", "sec")
    held = rpc.supervision.record_reminder_talk(w["a"], "2017-Q2", "2017-07-01", "sec")
    assert held == {**proposal, "talk_held_on": "2017-07-01"}
    assert rpc.supervision.record_reminder_talk(w["a"], "2017-Q2", "2017-07-01", "sec") == held
    with pytest.raises(Conflict) as caught:
        rpc.supervision.record_reminder_talk(w["a"], "2017-Q2", "2017-07-02", "sec")
    assert "2017-07-01" in str(caught.value)
    assert rpc.supervision.reminder_proposals(w["city"].city, "2017-Q2") == [held]


def test_the_negative_list_has_its_automatic_and_manual_entries(world, rpc):
    w = world
    got = {(e["subject_id"], e["manual"]): e["reasons"]
           for e in rpc.supervision.negative_list(w["city"].city, 2017)}
    # A answers for its own two, its member's and the committee member's three
    assert got == {(w["a"], False): ["6 quotas MISSED"],
                   (w["lead"], False): ["3 quotas MISSED"],
                   (w["b"], False): ["item A2-GM 2017-Q1 ESCALATED"]}
    assert rpc.supervision.negative_list(w["b"], 2016) == []

    entry = rpc.supervision.add_to_negative_list(w["b"], 2017, " 台账缺失 ", "sec")
    assert entry == {"subject_id": w["b"], "subject_path": w["city"].paths[w["b"]],
                     "year": 2017, "reasons": ["台账缺失"], "manual": True}
    assert rpc.supervision.add_to_negative_list(w["b"], 2017, "台账缺失", "sec") == entry
    assert rpc.supervision.add_to_negative_list(w["b"], 2017, "整改不力", "sec")["reasons"] == \
        ["台账缺失", "整改不力"]
    lead = rpc.supervision.add_to_negative_list(w["lead"], 2017, "述职不实", "sec")
    assert lead["subject_path"] == w["city"].paths[w["a"]] + [w["lead"]]
    assert count_of(w["db"], negative_list_entries) == 3
    for subject, year, field in ((w["committee"], 2017, "subjectId"),
                                 (w["plain"], 2017, "subjectId"),
                                 (w["b"], 2018, "year")):
        with pytest.raises(BadInput) as caught:
            rpc.supervision.add_to_negative_list(subject, year, "理由", "sec")
        assert field in str(caught.value)
    with pytest.raises(NotFound):
        rpc.supervision.add_to_negative_list(uuid.uuid4().hex, 2017, "理由", "sec")
    listed = [(e["subject_id"], e["manual"], e["reasons"])
              for e in rpc.supervision.negative_list(w["b"], 2017)]
    assert listed == [(w["b"], False, ["item A2-GM 2017-Q1 ESCALATED"]),
                      (w["b"], True, ["台账缺失", "整改不力"])]


def test_the_reads_are_served_by_their_indexes(world):
    w = world
    path = path_of(w["city"].paths[w["bureau"]])
    with w["db"].connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET enable_seqscan = off"))  # few rows: is an index usable?
        for read, index in (
                (lambda s: misses(s, path, ["2017-04", "2017-Q2"]), "ix_quota_state_period_path"),
                (lambda s: manual_rows(s, path, 2017), "ix_negative_list_year_path")):
            statement = _statement_of(read)
            plan = explain(conn, statement)
            assert index in plan, plan


def _statement_of(read):
    """The statement a view runs, caught at the session it is given."""
    caught = []

    class Catching:
        def execute(self, statement):
            caught.append(statement)
            return []
    read(Catching())
    return caught[0]
