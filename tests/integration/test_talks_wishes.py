"""Talks, minutes and wishes (issue 8) across processes, on SQLite and
PostgreSQL over the real broker: each command writes and tells its event
through the outbox (talk_recorded, minutes_recorded, wish_posted,
wish_claimed, micro_wish_fulfilled, wish_cancelled) or writes nothing; a
fulfilled wish posts "micro-wish fulfilled" to the claimer once; and of two
members claiming one wish at once, one wins and the other gets CONFLICT."""
import eventlet
import pytest
from kombu import Connection, Exchange, Queue
from sqlalchemy import func, select

from services.activity import wishes_handlers
from services.activity.models import metadata as activity_metadata
from services.activity.models import minutes, talks, wishes
from services.activity.service import ActivityService
from services.organization.service import OrganizationService
from services.scoring.service import ScoringService
from shared import clock
from shared.db import Database
from shared.errors import BadInput, Conflict
from shared.events import Envelope
from tests.integration.conftest import wait_for


class Listener:
    """Every event the activity service publishes, as the broker delivers it."""

    def __init__(self, uri):
        self.connection = Connection(uri)
        self.queue = Queue("test-activity-listener",
                           exchange=Exchange("activity.events", type="topic", durable=True),
                           routing_key="#", auto_delete=False)
        self.queue(self.connection.default_channel).declare()
        self.seen = []

    def events(self, event_type, count=1):
        def enough():
            bound = self.queue(self.connection.default_channel)
            while (message := bound.get(no_ack=True)) is not None:
                self.seen.append(Envelope.from_dict(message.decode()))
            return len([e for e in self.seen if e.type == event_type]) >= count
        wait_for(enough, what=f"{count} {event_type}")
        return [e.payload for e in self.seen if e.type == event_type]


def count(engine, table):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def test_talks_minutes_and_wishes_are_told_and_a_fulfilled_wish_earns_its_points(
        services, rpc, vhost, engine_of):
    listener = Listener(vhost.uri)
    services(OrganizationService, ActivityService, ScoringService)
    new_org = rpc.organization.create_organization
    city = new_org({"name": "市", "kind": "CITY"})
    bureau = new_org({"name": "科技局", "kind": "BUREAU", "parent_id": city["id"]})
    committee = new_org({"name": "局党委", "kind": "COMMITTEE", "parent_id": bureau["id"]})
    branch = new_org({"name": "第一支部", "kind": "BRANCH", "parent_id": committee["id"]})
    second = new_org({"name": "第二支部", "kind": "BRANCH", "parent_id": committee["id"]})
    other = new_org({"name": "第一支部", "kind": "BRANCH", "parent_id": new_org(
        {"name": "局党委", "kind": "COMMITTEE", "parent_id": new_org(
            {"name": "教育局", "kind": "BUREAU", "parent_id": city["id"]})["id"]})["id"]})

    def member(name, org, roles=("member",)):
        return rpc.organization.register_member(
            {"name": name, "branch_id": org["id"], "roles": list(roles)})["id"]
    sec, c1, m1 = member("书记", branch, ["secretary"]), member("委员", branch,
                                                                ["branch_committee"]), \
        member("党员", branch)
    neighbour, outsider = member("邻支部", second), member("外局", other)
    engine = engine_of("activity")
    today = clock.today().isoformat()

    # -- a talk, and one with oneself ------------------------------------------------
    talk = rpc.activity.record_talk({"org_id": branch["id"], "kind": "INITIATED",
                                     "held_on": today, "participant_ids": [sec, m1],
                                     "notes": "谈工作"}, "secretary")
    assert talk["participant_ids"] == [sec, m1] and talk["notes"] == "谈工作"
    for participants, field in (([sec, sec], "participantIds[1]"),
                                ([sec, outsider], "participantIds[1]")):
        with pytest.raises(BadInput) as err:
            rpc.activity.record_talk({"org_id": branch["id"], "kind": "INDIVIDUAL",
                                      "held_on": today, "participant_ids": participants}, "s")
        assert err.value.field == field
    assert count(engine, talks) == 1
    assert rpc.activity.list_talks(committee["id"], clock.today().year) == [talk]
    assert rpc.activity.list_talks(second["id"], clock.today().year) == []
    [told] = listener.events("talk_recorded")
    assert told == {"talk_id": talk["id"], "org_id": branch["id"], "org_path": talk["org_path"],
                    "kind": "INITIATED", "held_on": today, "participant_ids": [sec, m1]}

    # -- minutes: the secretary first is refused, last is accepted ---------------------
    meeting = rpc.activity.record_activity({
        "org_id": branch["id"], "kind": "GENERAL_MEETING", "theme": "发展党员", "held_on": today,
        "guest_ids": [neighbour],
        "attendance": [{"member_id": m, "status": "PRESENT"} for m in (sec, c1, m1)]}, "s")
    with pytest.raises(BadInput) as err:
        rpc.activity.record_minutes(meeting["id"], {
            "topic": "发展对象", "speaker_ids": [sec, c1, m1], "decisions": ["同意"]}, "s")
    assert err.value.field == "speakerIds" and "书记" in err.value.message \
        and "党员" in err.value.message
    assert count(engine, minutes) == 0
    recorded = rpc.activity.record_minutes(meeting["id"], {
        "topic": "发展对象", "speaker_ids": [c1, neighbour, m1, sec], "decisions": ["同意"]}, "s")
    assert recorded["minutes"] == {"topic": "发展对象", "speaker_ids": [c1, neighbour, m1, sec],
                                   "decisions": ["同意"]}
    again = rpc.activity.record_minutes(meeting["id"], {
        "topic": "改选", "speaker_ids": [sec], "decisions": []}, "s")
    assert rpc.activity.get_activity(meeting["id"])["minutes"] == again["minutes"] == {
        "topic": "改选", "speaker_ids": [sec], "decisions": []}
    assert count(engine, minutes) == 1
    assert [e["topic"] for e in listener.events("minutes_recorded", 2)] == ["发展对象", "改选"]

    # -- a wish posted, claimed, fulfilled; the claimer's points ---------------------------
    wish = rpc.activity.post_wish({"branch_id": branch["id"], "kind": "MICRO_WISH",
                                   "title": "一个书包", "requester": "小明",
                                   "contact": "13800000000"}, "secretary")
    assert wish["state"] == "OPEN" and "contact" not in wish
    assert "contact" not in rpc.activity.get_wish(wish["id"])
    with pytest.raises(BadInput) as err:
        rpc.activity.claim_wish(wish["id"], outsider, "s")
    assert err.value.field == "memberId"
    claimed = rpc.activity.claim_wish(wish["id"], neighbour, neighbour)
    assert (claimed["state"], claimed["claimed_by"]) == ("CLAIMED", neighbour)
    done = rpc.activity.fulfil_wish(wish["id"], today, "送到了", "secretary")
    assert (done["state"], done["fulfilled_on"], done["note"]) == ("FULFILLED", today, "送到了")
    with pytest.raises(Conflict) as err:
        rpc.activity.claim_wish(wish["id"], m1, m1)
    assert "FULFILLED" in err.value.message
    with pytest.raises(Conflict):
        rpc.activity.cancel_wish(wish["id"], "不要了", "secretary")
    cancelled = rpc.activity.cancel_wish(
        rpc.activity.post_wish({"branch_id": second["id"], "kind": "PROXY_SERVICE",
                                "title": "代缴电费", "requester": "李大爷"}, "s")["id"],
        "已自行办理", "s")
    assert (cancelled["state"], cancelled["note"]) == ("CANCELLED", "已自行办理")
    assert [w["id"] for w in rpc.activity.list_wishes(committee["id"], "FULFILLED")] == \
        [wish["id"]]
    assert len(rpc.activity.list_wishes(committee["id"])) == 2
    assert rpc.activity.list_wishes(branch["id"], "CANCELLED") == []

    assert listener.events("wish_posted", 2)[0]["wish_id"] == wish["id"]
    assert listener.events("wish_claimed")[0]["member_id"] == neighbour
    assert listener.events("micro_wish_fulfilled") == [{
        "wish_id": wish["id"], "branch_id": branch["id"], "member_id": neighbour,
        "kind": "MICRO_WISH", "on": today}]
    assert listener.events("wish_cancelled")[0]["reason"] == "已自行办理"

    def rules_of(member_id):
        return [e["rule"] for e in
                rpc.scoring.points_summary(member_id, clock.today().year)["entries"]]
    # the guest's meeting, and the wish
    wait_for(lambda: "micro-wish-fulfilled" in rules_of(neighbour), what="the claimer's points")
    assert sorted(rules_of(neighbour)) == ["attend-meeting", "micro-wish-fulfilled"]


def test_of_two_members_claiming_one_wish_at_once_one_wins(databases, monkeypatch):
    """The first claim holds its transaction open after its UPDATE; the
    second starts meanwhile, finds the wish OPEN on its first read, and its
    conditional UPDATE waits for the first to commit (PostgreSQL: the row
    lock; SQLite: the one writer), then changes nothing: CONFLICT."""
    db = Database("activity", activity_metadata, "services/activity/migrations",
                  relay=False).open(databases.urls["activity"])
    try:
        posted = wishes_handlers.post_wish(
            db, {"branch_id": "br", "kind": "MICRO_WISH", "title": "书包", "requester": "小明"},
            "s", lambda _id: {"id": "br", "name": "第一支部", "kind": "BRANCH",
                              "bureau_id": "b1", "path": ["c", "b1", "k", "br"]})

        def describe(requests):
            return [{"org": {"id": "br"}, "member_ids": [],
                     "extra_members": {m: {"bureau_id": "b1"}
                                       for m in r["extra_member_ids"]}} for r in requests]

        move = wishes_handlers._move
        first_in = []

        def slow_move(session, *args, **kwargs):
            move(session, *args, **kwargs)
            if not first_in:
                first_in.append(True)
                eventlet.sleep(0.5)  # hold the claim uncommitted
        monkeypatch.setattr(wishes_handlers, "_move", slow_move)
        outcomes = {}

        def claim(member_id):
            try:
                outcomes[member_id] = wishes_handlers.claim_wish(db, posted["id"], member_id,
                                                                 member_id, describe)["state"]
            except Conflict as exc:
                outcomes[member_id] = exc
        threads = [eventlet.spawn(claim, "m1")]
        eventlet.sleep(0.1)
        threads.append(eventlet.spawn(claim, "m2"))
        for thread in threads:
            thread.wait()
        assert outcomes["m1"] == "CLAIMED"
        assert isinstance(outcomes["m2"], Conflict) and "CLAIMED" in outcomes["m2"].message
        with db.connect() as conn:
            assert conn.execute(select(wishes.c.state, wishes.c.claimed_by)).all() == [
                ("CLAIMED", "m1")]
            outbox = db.tables["outbox"]
            assert conn.execute(select(outbox.c.event_type).order_by(outbox.c.seq)) \
                .scalars().all() == ["wish_posted", "wish_claimed"]
    finally:
        db.engine.dispose()
