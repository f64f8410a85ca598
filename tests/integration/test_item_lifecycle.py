"""The supervision item lifecycle (督办) against the real broker and each
backend: report, close and escalate through supervision's RPC, each move
kept in the history and told once as its event, every wrong move CONFLICT;
two replicas sweeping at the same moment escalate each overdue item once
(nothing on day 15 after opening, everything on day 16); and a late
activity that meets a closed quota closes its item by itself, and a
branch's item of a member quota once no member of it misses the quota."""
import eventlet
import pytest
from nameko.exceptions import RemoteError
from nameko.testing.services import entrypoint_hook
from sqlalchemy import func, select

from services.supervision.domain.items import late_note
from services.supervision.models import item_transitions, members, outbox, supervision_items
from services.supervision.service import SupervisionService
from shared.errors import BadInput, Conflict
from shared.events import Envelope
from tests.integration.conftest import publish, wait_for
from tests.integration.test_quota_state import known, result, small_city

OPENED = "2017-07-03"  # the day the items open; June is closed that day


def every_item(engine):
    """(id, rule, state, due_on) of every item."""
    with engine.connect() as conn:
        return conn.execute(select(
            supervision_items.c.id, supervision_items.c.rule, supervision_items.c.state,
            supervision_items.c.due_on)).all()


def items_of(engine):
    """{rule: (id, state, due_on)} of a city of one branch (an item per rule)."""
    return {r: (i, s, d) for i, r, s, d in every_item(engine)}


def told(engine, event_type):
    with engine.connect() as conn:
        return [e["payload"] for e in conn.execute(
            select(outbox.c.envelope).where(outbox.c.event_type == event_type)
            .order_by(outbox.c.seq)).scalars()]


def refused(error, call, *args):
    with pytest.raises((error, RemoteError)) as caught:
        call(*args)
    value = caught.value
    assert isinstance(value, error) or value.exc_type == error.__name__, value
    return str(value)


def sweep_at_once(*containers):
    """The escalation sweep of each replica, started at the same moment."""
    def run(container):
        with entrypoint_hook(container, "escalate_overdue") as tick:
            return tick()
    threads = [eventlet.spawn(run, c) for c in containers]
    return [t.wait() for t in threads]


def test_two_replicas_sweeping_at_once_escalate_each_overdue_item_once(
        services, rpc, vhost, engine_of, monkeypatch):
    monkeypatch.setenv("XF_TODAY", OPENED)
    one, two = services(SupervisionService, SupervisionService)
    city, bureau, committee, branch = small_city(vhost.uri)
    city.org("BRANCH", committee)
    db = engine_of("supervision")
    wait_for(known(db, 5), what="the read model")
    rpc.supervision.close_period(bureau, "2017-06", "tester", False)
    opened = every_item(db)
    ids = sorted(i for i, _, _, _ in opened)
    assert len(ids) >= 7  # A1, A2-CM, A2-GR of each branch, S2 of the committee
    assert {(s, d.isoformat()) for _, _, s, d in opened} == {("ASSIGNED", "2017-07-18")}

    monkeypatch.setenv("XF_TODAY", "2017-07-18")  # day 15: the due day, still waiting
    sweep_at_once(one, two)
    assert {s for _, _, s, _ in every_item(db)} == {"ASSIGNED"}
    assert told(db, "supervision_item_escalated") == []

    monkeypatch.setenv("XF_TODAY", "2017-07-19")  # day 16
    sweep_at_once(one, two)
    assert {s for _, _, s, _ in every_item(db)} == {"ESCALATED"}
    events = told(db, "supervision_item_escalated")
    assert sorted(e["item_id"] for e in events) == ids  # each once
    assert {(e["by"], e["on"], e["note"]) for e in events} == {("platform", "2017-07-19", None)}
    with db.connect() as conn:
        kept = conn.execute(select(item_transitions.c.item_id, func.count())
                            .group_by(item_transitions.c.item_id)).all()
    assert sorted(kept) == [(i, 1) for i in ids]
    assert sweep_at_once(one, two) in ([0, 0], [0, None], [None, 0])  # nothing left
    history = rpc.supervision.supervision_item(ids[0])["history"]
    assert [(h["state"], h["by"]) for h in history] == [("ASSIGNED", "platform"),
                                                        ("ESCALATED", "platform")]


def test_report_close_escalate_and_a_late_activity_closing_an_item(
        services, rpc, vhost, engine_of, monkeypatch):
    monkeypatch.setenv("XF_TODAY", OPENED)
    services(SupervisionService)
    city, bureau, committee, branch = small_city(vhost.uri)
    db = engine_of("supervision")
    wait_for(known(db, 4), what="the read model")
    city.activity(branch, "ACTIVITY_DAY", "2017-06-03")  # A1 needs two
    wait_for(lambda: (result(rpc, branch, "2017-06", "A1", branch) or {}).get("actual") == 1,
             what="the first day counted")
    rpc.supervision.close_period(bureau, "2017-06", "tester", False)
    opened = items_of(db)
    a1, meeting, s2 = opened["A1"][0], opened["A2-CM"][0], opened["S2"][0]
    move = rpc.supervision

    # 交办 → 报告 → 销号, each wrong move refused and nothing written
    assert "report" in refused(BadInput, move.report_supervision_item, meeting, "  ", "sec")
    assert "ASSIGNED" in refused(Conflict, move.close_supervision_item, meeting, None, "bureau")
    reported = move.report_supervision_item(meeting, " 已补开支委会 ", "branch-sec")
    assert (reported["state"], reported["report"]) == ("REPORTED", "已补开支委会")
    assert "REPORTED" in refused(Conflict, move.report_supervision_item, meeting, "再报", "sec")
    closed = move.close_supervision_item(meeting, "同意销号", "bureau-sec")
    assert [(h["state"], h["by"], h["note"]) for h in closed["history"]] == [
        ("ASSIGNED", "platform", None), ("REPORTED", "branch-sec", "已补开支委会"),
        ("CLOSED", "bureau-sec", "同意销号")]
    for call, args in ((move.escalate_supervision_item, ("不力", "city")),
                       (move.report_supervision_item, ("再报", "sec")),
                       (move.close_supervision_item, (None, "city"))):
        assert "CLOSED" in refused(Conflict, call, meeting, *args)
    assert "there is no supervision item" in refused(
        Exception, move.close_supervision_item, "0" * 32, None, "city")

    # 责任追究, by a person with a note; the escalated A1 item too
    assert "note" in refused(BadInput, move.escalate_supervision_item, s2, " ", "city")
    assert move.escalate_supervision_item(s2, "督办不力", "city")["state"] == "ESCALATED"
    assert move.escalate_supervision_item(a1, "逾期", "city")["state"] == "ESCALATED"
    assert "ESCALATED" in refused(Conflict, move.escalate_supervision_item, a1, "再", "city")

    # a late activity for June meets A1: its item closes by itself
    city.activity(branch, "ACTIVITY_DAY", "2017-06-24")
    wait_for(lambda: items_of(db)["A1"][1] == "CLOSED", what="the A1 item closed by itself")
    last = move.supervision_item(a1)["history"][-1]
    assert (last["state"], last["by"], last["note"]) == (
        "CLOSED", "platform", late_note("A1", "2017-06"))
    a1_result = result(rpc, branch, "2017-06", "A1", branch)
    assert (a1_result["actual"], a1_result["status"]) == (2, "MET")
    assert {r: s for r, (_, s, _) in items_of(db).items()} == {
        "A1": "CLOSED", "A2-CM": "CLOSED", "A2-GR": "ASSIGNED", "S2": "ESCALATED"}

    # each move told once; a third late day closes nothing more
    city.activity(branch, "ACTIVITY_DAY", "2017-06-25")
    wait_for(lambda: result(rpc, branch, "2017-06", "A1", branch)["actual"] == 3,
             what="the third day counted")
    assert [e["item_id"] for e in told(db, "supervision_item_reported")] == [meeting]
    assert [(e["item_id"], e["by"]) for e in told(db, "supervision_item_closed")] == [
        (meeting, "bureau-sec"), (a1, "platform")]
    assert [e["item_id"] for e in told(db, "supervision_item_escalated")] == [s2, a1]
    assert all(e["on"] == OPENED for e in told(db, "supervision_item_closed"))


def test_a_branch_item_of_a_member_quota_closes_once_no_member_misses_it(
        services, rpc, vhost, engine_of, monkeypatch):
    monkeypatch.setenv("XF_TODAY", "2018-01-05")
    services(SupervisionService)
    city, bureau, committee, branch = small_city(vhost.uri)
    first, second = city.member(branch), city.member(branch)
    db = engine_of("supervision")
    wait_for(known(db, 4), what="the read model")
    with db.connect() as conn:
        wait_for(lambda: conn.execute(select(func.count()).select_from(members)).scalar() == 2,
                 what="the members known")
    rpc.supervision.close_period(bureau, "2017", "tester", False)
    [(p5, state, _)] = [(i, s, d) for i, r, s, d in every_item(db) if r == "P5"]
    assert state == "ASSIGNED"  # the branch's, for both members' check-ups (党性体检)

    def checkup(member_id):
        envelope = Envelope.new("checkup_recorded", bureau, {
            "member_id": member_id, "branch_id": branch, "year": 2017, "post_type": "member",
            "total": 90.0, "health": "HEALTHY", "on": "2018-01-04"})
        publish(vhost.uri, envelope, source="scoring", routing_key="checkup_recorded")

    checkup(first)  # late, and one member of two
    wait_for(lambda: result(rpc, branch, "2017", "P5", first)["status"] == "MET",
             what="the first member's late check-up")
    assert result(rpc, branch, "2017", "P5", second)["status"] == "MISSED"
    assert dict((r, s) for _, r, s, _ in every_item(db))["P5"] == "ASSIGNED"
    checkup(second)
    wait_for(lambda: dict((r, s) for _, r, s, _ in every_item(db))["P5"] == "CLOSED",
             what="the branch's P5 item closed by itself")
    [event] = told(db, "supervision_item_closed")
    assert (event["item_id"], event["by"], event["note"]) == (
        p5, "platform", late_note("P5", "2017", members=True))
