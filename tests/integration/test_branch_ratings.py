"""Branch ratings (星级评定) in supervision, on each backend, with the scoring
service answering the members' year totals over the real broker (in batches,
here of one member, so that every batch counts): compliance from the closed
results of the year, points from scoring, supervision from the year's items
by state, the change from the year before (none for a branch that did not
exist by its end), best first. What each component should be is read back
through the services' other answers (compliance per period, supervision
items, points summaries), not from the tables the ratings read."""
import uuid

import pytest
from nameko.testing.services import entrypoint_hook
from sqlalchemy import update

from services.scoring.service import ScoringService
from services.supervision import service as supervision_service
from services.supervision.domain.rating import RATING_RULES
from services.supervision.models import members, supervision_items
from services.supervision.rating_views import branches_query, results_query, year_labels
from services.supervision.service import SupervisionService
from shared.errors import BadInput
from shared.events import Envelope
from tests.integration.conftest import publish, wait_for
from tests.integration.test_quota_state import (  # noqa: F401  (populated: a fixture)
    City, count_of, known, plan, populated, result)


class DatedCity(City):
    """A tree whose organisations were created on given days."""

    def org(self, kind, parent=None, created_on="2017-01-01"):
        org_id = uuid.uuid4().hex
        path = (self.paths[parent] if parent else []) + [org_id]
        self.paths[org_id] = path
        bureau = path[1] if len(path) > 1 else org_id
        publish(self.uri, Envelope.new("organization_created", bureau, {
            "org_id": org_id, "name": f"{kind}-{org_id[:6]}", "kind": kind,
            "parent_id": parent, "path": path, "created_on": created_on}),
            source="organization", routing_key="organization_created")
        return org_id


SHIPPED = RATING_RULES.path_for("default").read_text(encoding="utf-8")


def measured(rpc, org_id, branch, year):
    """(compliance, supervision) of ``branch``'s year as the other answers
    tell it: its own closed results (MET or MISSED) of every period of the
    year, and its items by state."""
    met = closed = 0
    for label in year_labels(year):
        for r in rpc.supervision.compliance(branch, label)["results"]:
            if r["subject_id"] == branch and r["status"] in ("MET", "MISSED"):
                closed += 1
                met += r["status"] == "MET"
    items = [i for i in rpc.supervision.supervision_items(org_id)
             if i["org_id"] == branch and i["period"][:4] == str(year)]
    open_ = sum(i["state"] in ("ASSIGNED", "REPORTED") for i in items)
    escalated = sum(i["state"] == "ESCALATED" for i in items)
    return (100.0 * met / closed if closed else 100.0), max(0, 100 - 25 * open_ - 50 * escalated)


def stars(score):
    return next((s for s, edge in ((5, 90), (4, 80), (3, 70), (2, 60)) if score >= edge), 1)


def test_ratings_of_a_subtree_from_closed_results_points_and_items(
        services, rpc, vhost, engine_of, monkeypatch, tmp_path):
    monkeypatch.setenv("XF_TODAY", "2018-01-20")
    monkeypatch.setattr(supervision_service, "TOTALS_BATCH", 1)
    container, _ = services(SupervisionService, ScoringService)
    city = DatedCity(vhost.uri)
    bureau = city.org("BUREAU", city.city)
    committee = city.org("COMMITTEE", bureau)
    old = city.org("BRANCH", committee, created_on="2017-06-01")
    new = city.org("BRANCH", committee, created_on="2018-01-02")
    db = engine_of("supervision")
    wait_for(known(db, 5), what="the read model")
    a1, a2, a3, b1 = (city.member(old), city.member(old), city.member(old), city.member(new))
    wait_for(lambda: count_of(db, members) == 4, what="the members")

    # 2017 closes by itself (the closing round): the old branch did nothing
    with entrypoint_hook(container, "auto_close") as run:
        run()
    # January 2018: the old branch holds all it must (two activity days, a
    # committee and a group meeting); a3 stays away from one; the new holds nothing
    city.activity(old, "ACTIVITY_DAY", "2018-01-06", present=[a1, a2], absent=[a3])
    city.activity(old, "ACTIVITY_DAY", "2018-01-13", present=[a1])
    city.activity(old, "COMMITTEE_MEETING", "2018-01-08", present=[a1])
    city.activity(old, "GROUP_MEETING", "2018-01-09", present=[a2])
    wait_for(lambda: (result(rpc, old, "2018-01", "A1", old) or {}).get("actual") == 2
             and (result(rpc, old, "2018-01", "A2-GR", old) or {}).get("actual") == 1,
             what="the month counted")
    summaries = wait_for(lambda: (s := rpc.scoring.points_summaries([a1, a2, a3, b1], 2018))
                         and [s[m]["total"] for m in (a1, a2, a3)] == [5.0, 3.0, -3.0] and s,
                         what="the points posted")
    # the platform's admin closes January early for the whole bureau
    rpc.supervision.close_period(bureau, "2018-01", "tester", True)

    # items move on (nothing in the platform moves them yet): the old branch's
    # 2017 items are closed (销号) but one reported; of the new branch's three
    # January items two are closed and one escalated (责任追究)
    with db.begin() as conn:
        i = supervision_items.c
        conn.execute(update(supervision_items).where(i.org_id == old).values(state="CLOSED"))
        reported = conn.execute(
            supervision_items.select().where(i.org_id == old).limit(1)).mappings().first()
        conn.execute(update(supervision_items).where(i.id == reported["id"])
                     .values(state="REPORTED"))
        conn.execute(update(supervision_items).where(i.org_id == new, i.rule != "A1")
                     .values(state="CLOSED"))
        conn.execute(update(supervision_items).where(i.org_id == new, i.rule == "A1")
                     .values(state="ESCALATED"))

    last_year = rpc.supervision.branch_ratings(bureau, 2017)
    assert [r["branch_id"] for r in last_year] == [old]   # the new one did not exist
    compliance_2017, supervision_2017 = measured(rpc, bureau, old, 2017)
    assert supervision_2017 == 75 and compliance_2017 < 100   # things were missed
    rated = last_year[0]
    assert (rated["compliance"], rated["points"], rated["supervision"]) == \
        (pytest.approx(compliance_2017), 0, 75)
    score_2017 = 0.5 * compliance_2017 + 0.2 * 75
    assert rated["score"] == pytest.approx(score_2017) and rated["stars"] == stars(score_2017)
    assert rated["change"] == 0        # nothing before 2017

    ratings = rpc.supervision.branch_ratings(bureau, 2018)
    assert [r["branch_id"] for r in ratings] == [old, new]
    first, second = ratings
    average = sum(summaries[m]["total"] for m in (a1, a2, a3)) / 3       # (5 + 3 − 3) / 3
    assert measured(rpc, bureau, old, 2018) == (100, 100)
    assert (first["compliance"], first["points"], first["supervision"]) == \
        (100, pytest.approx(average), 100)
    assert first["score"] == pytest.approx(50 + 0.3 * average + 20) and first["stars"] == 3
    assert first["change"] == 3 - stars(score_2017) == 2
    assert measured(rpc, bureau, new, 2018) == (0, 50)
    assert (second["compliance"], second["points"], second["supervision"], second["score"],
            second["stars"], second["change"]) == (0, 0, 50, 10, 1, 0)
    assert second["year"] == 2018

    # a branch asked for alone; an organisation not known here has none
    assert rpc.supervision.branch_ratings(new, 2018) == [second]
    assert rpc.supervision.branch_ratings(uuid.uuid4().hex, 2018) == []

    # the bureau's own rating rule set: an escalated item costs it everything
    (tmp_path / "rating").mkdir()
    (tmp_path / "rating" / f"{bureau}.yaml").write_text(
        SHIPPED.replace("per_escalated: 50", "per_escalated: 100"), encoding="utf-8")
    monkeypatch.setenv("XF_RULES_DIR", str(tmp_path))
    own = rpc.supervision.branch_ratings(new, 2018)[0]
    assert (own["supervision"], own["score"]) == (0, 0)


def test_member_year_totals_answers_every_member_asked_and_refuses_bad_input(
        services, rpc, vhost):
    services(ScoringService)
    city = City(vhost.uri)
    bureau = city.org("BUREAU", city.city)
    branch = city.org("BRANCH", city.org("COMMITTEE", bureau))
    member, idle = uuid.uuid4().hex, uuid.uuid4().hex
    city.activity(branch, "ACTIVITY_DAY", "2018-03-03", present=[member])
    wait_for(lambda: rpc.scoring.member_year_totals([member], 2018)[member] == 2.0,
             what="the posting")
    assert rpc.scoring.member_year_totals([member, idle], 2018) == {member: 2.0, idle: 0.0}
    assert rpc.scoring.member_year_totals([member], 2017) == {member: 0.0}
    assert rpc.scoring.member_year_totals([], 2018) == {}
    for args, field in ((([f"m{i}" for i in range(10_001)], 2018), "member_ids"),
                        (([member], "2018"), "year"), (([""], 2018), "member_ids[0]")):
        with pytest.raises(BadInput) as caught:
            rpc.scoring.member_year_totals(*args)
        assert caught.value.field == field


def test_a_year_that_is_no_year_is_bad_input(services, rpc):
    services(SupervisionService)
    with pytest.raises(BadInput) as caught:
        rpc.supervision.branch_ratings("x", 12)
    assert caught.value.field == "year"


def test_the_ratings_read_the_subtree_by_index(populated):
    """The two big reads of a city's ratings: its branches, and its closed
    results of the year (one per branch, month, quarter and rule)."""
    for query, index in ((results_query("/c/b3/", 2013), "ix_quota_state_period_path"),
                         (branches_query("/c/b3/", 2018), "ix_orgs_path")):
        shown = plan(populated, query)
        assert "Seq Scan" not in shown and "SCAN " not in shown, shown
        assert index in shown, shown
