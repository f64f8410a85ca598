"""Commands carried out once per request (shared/idempotency.py), with the
services' real databases on SQLite and PostgreSQL: every command repeated
with its key answers the first answer and writes nothing; the same key with
another body is CONFLICT; racing calls with one key write once; keys are
kept a day, then the retention sweep deletes them."""
import base64
import datetime as dt
import uuid

import pytest
from sqlalchemy import func, insert, literal_column, select, table, update

from services.activity.models import activities, metadata as activity_metadata
from services.activity.service import ActivityService
from services.organization import handlers as org_handlers
from services.organization.models import metadata as org_metadata
from services.organization.service import OrganizationService
from services.supervision.service import SupervisionService
from shared.db import Database
from shared.errors import Conflict
from shared.idempotency import TABLE, once
from shared.outbox import purge
from tests.integration.conftest import wait_for


def count(engine, name):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table(name))).scalar()


def counts(engine, *tables):
    return {t: count(engine, t) for t in tables}


def req(key, subject="sec-1"):
    return {"key": key, "subject": subject}


def twice(call, *args, key):
    """``call`` made twice with one request: the second answer must be the first."""
    first = call(*args, req(key))
    again = call(*args, req(key))
    assert again == first
    return first


def test_every_command_repeated_with_its_key_answers_the_first_answer_and_writes_once(
        services, rpc, engine_of):
    """And the same key with another body is CONFLICT; calls racing with one
    key write once."""
    services(OrganizationService, ActivityService, SupervisionService)
    org_db, activity_db, supervision_db = (engine_of(s) for s in
                                           ("organization", "activity", "supervision"))
    org = rpc.organization
    city = twice(org.create_organization, {"name": "市", "kind": "CITY"}, "admin", key="c")
    bureau = twice(org.create_organization, {"name": "科技局", "kind": "BUREAU",
                                             "parent_id": city["id"]}, "admin", key="b")
    committee = org.create_organization({"name": "局党委", "kind": "COMMITTEE",
                                         "parent_id": bureau["id"]}, "admin", req("k"))
    branch, second = (org.create_organization({"name": n, "kind": "BRANCH",
                                               "parent_id": committee["id"]}, "admin", req(n))
                      for n in ("第一支部", "第二支部"))
    jia = twice(org.register_member, {"name": "甲", "branch_id": branch["id"]}, "sec-1",
                key="m1")
    yi = org.register_member({"name": "乙", "branch_id": branch["id"]}, "sec-1", req("m2"))
    moved = twice(org.transfer_member, {"member_id": yi["id"], "branch_id": second["id"]},
                  "sec-1", key="t")
    assert moved["branch_id"] == second["id"]
    # organisations, members, memberships, events: as if each command came once
    assert counts(org_db, "organizations", "members", "memberships", "outbox", TABLE) == {
        "organizations": 5, "members": 2, "memberships": 3, "outbox": 8, TABLE: 8}

    day = {"org_id": branch["id"], "kind": "ACTIVITY_DAY", "theme": "学党章",
           "held_on": "2017-06-03", "attendance": [{"member_id": jia["id"], "status": "PRESENT"}]}
    one = twice(rpc.activity.record_activity, day, "sec-1", key="a1")
    assert one["theme"] == "学党章" and one["attendance"][0]["member_id"] == jia["id"]
    many = twice(rpc.activity.record_activities, [{**day, "theme": "一"}, {**day, "theme": "二"}],
                 "sec-1", key="a2")
    assert [a["theme"] for a in many] == ["一", "二"]
    sheet = base64.b64encode("组织,类型,主题,日期,出席,请假,缺席\n第一支部,党课,讲,2017-06-05,甲,,"
                             .encode()).decode()
    # without its key the repeat would be refused as a row already recorded
    assert twice(rpc.activity.import_activities, branch["id"], sheet, False, "sec-1",
                 key="i") == {"dry_run": False, "created": 1, "errors": []}
    assert counts(activity_db, "activities", "attendance", "outbox", TABLE) == {
        "activities": 4, "attendance": 4, "outbox": 4, TABLE: 3}
    assert rpc.activity.get_activity(one["id"]) == one  # the answer is what was stored

    wait_for(lambda: rpc.supervision.compliance(bureau["id"], "2017-06")["results"],
             what="supervision learning the tree")
    closed = twice(rpc.supervision.close_period, bureau["id"], "2017-06", "admin", False,
                   key="p")
    assert closed["results"] and {r["status"] for r in closed["results"]} <= {"MET", "MISSED"}
    assert count(supervision_db, "quota_closures") == len(closed["results"])
    assert counts(supervision_db, TABLE) == {TABLE: 1}

    # the same key with another body: CONFLICT, nothing written
    with pytest.raises(Conflict) as caught:
        rpc.activity.record_activity({**day, "theme": "另一次"}, "sec-1", req("a1"))
    assert "already used for another request" in caught.value.message
    assert caught.value.field == "Idempotency-Key"
    assert count(activity_db, "activities") == 4
    # another caller's key is theirs: the same key is a new request
    theirs = rpc.activity.record_activity(day, "sec-2", req("a1", "sec-2"))
    assert theirs["id"] != one["id"] and count(activity_db, "activities") == 5

    # six at once with one key: all get the one activity that was written
    pending = [rpc.activity.record_activity.call_async({**day, "theme": "三"}, "sec-1",
                                                       req("a3")) for _ in range(6)]
    answers = [p.result() for p in pending]
    assert len({a["id"] for a in answers}) == 1
    assert counts(activity_db, "activities", "outbox") == {"activities": 6, "outbox": 6}


@pytest.fixture
def org_db(databases):
    db = Database("organization", org_metadata,
                  "services/organization/migrations").open(databases.urls["organization"])
    yield db
    db.engine.dispose()


@pytest.fixture
def activity_db(databases):
    db = Database("activity", activity_metadata,
                  "services/activity/migrations").open(databases.urls["activity"])
    yield db
    db.engine.dispose()


def test_a_lost_race_answers_with_the_winners_answer_and_a_key_lasts_a_day(
        org_db, activity_db):
    """Two calls with one key both found none; the rival committed first.
    The loser fails on the key itself or on the rival's change (a name
    taken), and answers with what the rival stored, its own writes rolled
    back. Then: a key is a repeat for a day, new after it, and the retention
    sweep deletes it."""
    data = {"name": "市", "kind": "CITY"}
    request = req("race")
    rival = {}

    def loser(mine):
        rival["answer"] = once(org_db, request, [data, None],
                               lambda r: org_handlers.create_organization(org_db, data, r))
        return org_handlers.create_organization(org_db, data, mine)

    assert once(org_db, request, [data, None], loser) == rival["answer"]
    engine = org_db.engine
    assert counts(engine, "organizations", "outbox", TABLE) == {
        "organizations": 1, "outbox": 1, TABLE: 1}

    # the loser with a name of its own fails on the key alone (is_clash)
    other = {"name": "另一个市", "kind": "CITY"}

    def loses_on_the_key(mine):
        once(org_db, req("race-2"), [other, None],
             lambda r: org_handlers.create_organization(org_db, {**other, "name": "市2"}, r))
        return org_handlers.create_organization(org_db, other, mine)

    answer = once(org_db, req("race-2"), [other, None], loses_on_the_key)
    assert answer["name"] == "市2"
    assert counts(engine, "organizations", TABLE) == {"organizations": 2, TABLE: 2}
    a_key_lasts_a_day(activity_db)


def _written(db, key, theme):
    """A command of the activity service's shape: one row, one answer."""
    def command(request):
        with db.uow(request) as uow:
            uow.session.execute(insert(activities).values(
                id=uuid.uuid4().hex, org_id="br", org_path="/br/", bureau_id="b",
                kind="ACTIVITY_DAY", theme=theme, held_on=dt.date(2017, 6, 3),
                recorded_by="sec-1"))
            return uow.answer({"theme": theme})
    return once(db, req(key), [theme], command)


def _age(db, key, hours):
    keys = db.tables[TABLE]
    moment = (literal_column(f"now() - interval '{hours} hours'")
              if db.engine.dialect.name == "postgresql"
              else func.datetime("now", f"-{hours} hours"))
    with db.connect(write=True) as conn:
        assert conn.execute(update(keys).where(keys.c.key == key)
                            .values(created_at=moment)).rowcount == 1


def a_key_lasts_a_day(db):
    for key in ("old", "young"):
        _written(db, key, key)
    _age(db, "old", 25)
    _age(db, "young", 23)
    assert _written(db, "young", "young") == {"theme": "young"}
    assert count(db.engine, "activities") == 2  # within the day: a repeat

    deleted = purge(db, days=14, batch=1)
    assert deleted[TABLE] == 1
    with db.connect() as conn:
        assert set(conn.execute(select(db.tables[TABLE].c.key)).scalars()) == {"young"}
    # past the day the key is new again, even before the sweep comes by
    _age(db, "young", 25)
    assert _written(db, "young", "young") == {"theme": "young"}
    assert count(db.engine, "activities") == 3
