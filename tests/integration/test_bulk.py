"""The bulk path over the real broker, on SQLite and PostgreSQL:
record_activities (at most 500, all or nothing, answers in order, one event
per activity) and import_activities from a real .xlsx and a .csv (dry run,
every bad row with its row and column, nothing written unless all are good)."""
import base64
import datetime as dt
import json
import time
import uuid

import pytest
from kombu import Connection, Exchange, Queue
from sqlalchemy import func, select

from services.activity.models import activities, attendance, outbox
from services.activity.service import ActivityService
from services.organization.service import OrganizationService
from shared.errors import BadInput
from tests.integration.conftest import wait_for
from tests.sheets import xlsx_bytes

HEADER = ["组织", "类型", "主题", "日期", "出席", "请假", "缺席", "请假事由"]


class Tap:
    """A queue of our own on activity.events: what the relay publishes."""

    def __init__(self, uri):
        self.uri = uri
        self.name = f"test-tap-{uuid.uuid4().hex[:8]}"
        exchange = Exchange("activity.events", type="topic", durable=True)
        with Connection(uri) as conn:
            Queue(self.name, exchange, routing_key="activity_recorded")(
                conn.default_channel).declare()

    def drain(self):
        bodies = []
        with Connection(self.uri) as conn:
            channel = conn.default_channel
            while True:
                message = channel.basic_get(self.name, no_ack=True)
                if message is None:
                    return bodies
                bodies.append(json.loads(message.body))

    def collect(self, count, what="the events"):
        """Wait until ``count`` events have come, and a moment longer for any extra."""
        got = []
        wait_for(lambda: got.extend(self.drain()) or len(got) >= count, what=what)
        time.sleep(0.5)
        return got + self.drain()


@pytest.fixture
def tree(services, rpc):
    """A bureau with two branches (第一支部 with a party group) and members;
    丙 moved from 第一支部 to 第二支部 on 2017-07-01; two 王伟 in 第二支部."""
    services(OrganizationService, ActivityService)
    org = rpc.organization

    def make(name, kind, parent=None):
        return org.create_organization({"name": name, "kind": kind,
                                        "parent_id": parent["id"] if parent else None})
    city = make("市", "CITY")
    bureau = make("科技局", "BUREAU", city)
    committee = make("局党委", "COMMITTEE", bureau)
    first = make("第一支部", "BRANCH", committee)
    second = make("第二支部", "BRANCH", committee)
    group = make("第一小组", "GROUP", first)
    people = {}
    for name in ("甲", "乙", "丙", "丁"):
        people[name] = org.register_member({"name": name, "branch_id": first["id"],
                                            "joined_on": "2016-01-01"})
    people["戊"] = org.register_member({"name": "戊", "branch_id": second["id"]})
    twins = [org.register_member({"name": "王伟", "branch_id": second["id"]}) for _ in range(2)]
    org.transfer_member({"member_id": people["丙"]["id"], "branch_id": second["id"],
                         "on": "2017-07-01"})
    return {"city": city, "bureau": bureau, "committee": committee, "first": first,
            "second": second, "group": group, "people": people, "twins": twins}


def activity(tree, theme, day="2017-06-03", org="first", present=("甲",), absent=(),
             kind="ACTIVITY_DAY"):
    people = tree["people"]
    return {"org_id": tree[org]["id"], "kind": kind, "theme": theme, "held_on": day,
            "attendance": [{"member_id": people[n]["id"], "status": "PRESENT"} for n in present]
            + [{"member_id": people[n]["id"], "status": "ABSENT"} for n in absent]}


def stored(engine_of):
    engine = engine_of("activity")
    with engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar()
                     for t in (activities, attendance, outbox))


# -- record_activities ----------------------------------------------------------------

def test_a_batch_is_stored_in_order_with_one_event_per_activity(tree, rpc, vhost, engine_of):
    tap = Tap(vhost.uri)
    inputs = [activity(tree, f"第{i}次", day=f"2017-06-{i + 1:02d}",
                       present=("甲", "乙"), absent=("丁",)) for i in range(12)]
    inputs[4] = activity(tree, "小组学习", org="group", present=("甲",))
    inputs[7] = activity(tree, "七月", day="2017-07-02", org="second", present=("丙", "戊"))
    answers = rpc.activity.record_activities(inputs, "secretary")

    assert [a["theme"] for a in answers] == [i["theme"] for i in inputs]
    assert [a["org_id"] for a in answers] == [i["org_id"] for i in inputs]
    assert [[(line["member_id"], line["status"]) for line in a["attendance"]]
            for a in answers] == [[(line["member_id"], line["status"])
                                   for line in i["attendance"]] for i in inputs]
    assert all(a["recorded_by"] == "secretary" for a in answers)
    again = rpc.activity.get_activities([a["id"] for a in reversed(answers)] + ["nope"])
    assert again == list(reversed(answers))

    events = tap.collect(12)
    assert len(events) == 12
    by_activity = {e["payload"]["activity_id"]: e for e in events}
    assert set(by_activity) == {a["id"] for a in answers}
    for answer in answers:
        event = by_activity[answer["id"]]
        assert event["type"] == "activity_recorded"
        assert event["bureau_id"] == tree["bureau"]["id"]
        payload = event["payload"]
        assert payload["org_id"] == answer["org_id"]
        assert payload["held_on"] == answer["held_on"]
        assert payload["attendance"] == [{"member_id": a["member_id"], "status": a["status"]}
                                         for a in answer["attendance"]]

    # exactly the payload of a single record_activity
    single = rpc.activity.record_activity(activity(tree, "单独"), "secretary")
    [event] = tap.collect(1)
    assert set(event["payload"]) == set(by_activity[answers[0]["id"]]["payload"])
    assert event["payload"]["activity_id"] == single["id"]


BAD_THIRD_INPUTS = [
    (lambda t: activity(t, "客人", present=("甲", "戊")),
     "inputs[2]: not members of 第一支部 on 2017-06-03", "inputs[2].attendance"),
    (lambda t: {**activity(t, "无类型"), "kind": "PARTY"},
     "inputs[2]: 'PARTY' is not a kind of activity", "inputs[2].kind"),
    (lambda t: {**activity(t, "无人"), "attendance": [{"status": "PRESENT"}]},
     "inputs[2]: each line names a member", "inputs[2].attendance[0].memberId"),
    (lambda t: {**activity(t, "无组织"), "org_id": "nowhere"},
     "inputs[2]: there is no branch, party group or committee nowhere", "inputs[2].orgId"),
    (lambda t: activity(t, "七月", day="2017-07-02", present=("丙",)),
     "inputs[2]: not members of 第一支部 on 2017-07-02", "inputs[2].attendance"),
]


def test_one_bad_input_writes_nothing_and_sends_nothing(tree, rpc, vhost, engine_of):
    tap = Tap(vhost.uri)
    for bad, message, field in BAD_THIRD_INPUTS:
        inputs = [activity(tree, "一"), activity(tree, "二"), bad(tree), activity(tree, "四")]
        with pytest.raises(BadInput) as err:
            rpc.activity.record_activities(inputs, "secretary")
        assert err.value.message.startswith(message), err.value.message
        assert err.value.field == field
        assert stored(engine_of) == (0, 0, 0)
    assert rpc.activity.list_activities(tree["city"]["id"], "2017-01-01", "2017-12-31") == []
    # a later good call goes through, so the relay was up all along
    rpc.activity.record_activity(activity(tree, "后来"), "secretary")
    assert len(tap.collect(1)) == 1


def test_more_than_500_inputs_are_refused_and_none_is_fine(tree, rpc, engine_of):
    with pytest.raises(BadInput) as err:
        rpc.activity.record_activities([activity(tree, "多")] * 501, "secretary")
    assert err.value.field == "inputs" and "at most 500" in err.value.message
    assert stored(engine_of) == (0, 0, 0)
    assert rpc.activity.record_activities([], "secretary") == []
    assert len(rpc.activity.record_activities([activity(tree, "满")] * 500, "secretary")) == 500


# -- import_activities ------------------------------------------------------------------

def xlsx(*rows):
    return base64.b64encode(xlsx_bytes(*rows, header=HEADER)).decode()


def csv(*rows):
    lines = [",".join(HEADER)] + [",".join(f'"{c}"' for c in row) for row in rows]
    return base64.b64encode("\n".join(lines).encode("utf-8")).decode()


GOOD_ROWS = [
    ("第一支部", "党员集中活动日", "学党章", dt.date(2017, 6, 3), "甲、乙", "丙", "丁", "出差"),
    ("第一小组", "党小组会", "小组学习", "2017-06-10", "甲,乙", "", "", ""),
    ("第二支部", "ACTIVITY_DAY", "七月", "2017-07-08", "丙，戊", "", "", ""),
    ("局党委", "理论学习中心组学习", "中心组", "2017-07-09", "甲、戊", "", "", ""),
    ("第一支部", "支委会", "", "2017-08-01", "甲", "", "", ""),
]


@pytest.mark.parametrize("encode", [xlsx, csv])
def test_an_import_records_every_row(tree, rpc, vhost, engine_of, encode):
    tap = Tap(vhost.uri)
    rows = [list(r) for r in GOOD_ROWS]
    rows[4][2] = "支委会议"
    if encode is csv:
        rows[0][3] = "2017-06-03"
    result = rpc.activity.import_activities(tree["bureau"]["id"], encode(*rows), False, "admin")
    assert result == {"dry_run": False, "created": 5, "errors": []}
    listed = rpc.activity.list_activities(tree["bureau"]["id"], "2017-01-01", "2017-12-31")
    assert [(a["theme"], a["held_on"]) for a in listed] == [
        ("学党章", "2017-06-03"), ("小组学习", "2017-06-10"), ("七月", "2017-07-08"),
        ("中心组", "2017-07-09"), ("支委会议", "2017-08-01")]
    people = tree["people"]
    assert listed[0]["attendance"] == [
        {"member_id": people["甲"]["id"], "status": "PRESENT", "reason": None},
        {"member_id": people["乙"]["id"], "status": "PRESENT", "reason": None},
        {"member_id": people["丙"]["id"], "status": "EXCUSED", "reason": "出差"},
        {"member_id": people["丁"]["id"], "status": "ABSENT", "reason": None}]
    assert listed[1]["org_id"] == tree["group"]["id"]
    assert listed[3]["org_id"] == tree["committee"]["id"]
    assert all(a["recorded_by"] == "admin" for a in listed)
    assert len(tap.collect(5)) == 5
    # the same file again records nothing twice
    again = rpc.activity.import_activities(tree["bureau"]["id"], encode(*rows), False, "admin")
    assert again["created"] == 0
    assert [(e["row"], e["column"]) for e in again["errors"]] == [(n, None) for n in range(2, 7)]
    assert all("already recorded" in e["message"] for e in again["errors"])
    assert stored(engine_of)[0] == 5


def test_a_dry_run_counts_and_writes_nothing(tree, rpc, engine_of):
    rows = [list(r) for r in GOOD_ROWS]
    rows[4][2] = "支委会议"
    result = rpc.activity.import_activities(tree["bureau"]["id"], xlsx(*rows), True, "admin")
    assert result == {"dry_run": True, "created": 5, "errors": []}
    assert stored(engine_of) == (0, 0, 0)


def test_every_bad_row_is_reported_and_nothing_is_written(tree, rpc, engine_of):
    rows = [
        GOOD_ROWS[0],                                                       # 2: good
        ("第三支部", "党课", "讲", "2017-06-05", "甲", "", "", ""),           # 3: no such org
        ("第二支部", "党课", "讲", "2017-06-05", "王伟", "", "", ""),         # 4: two 王伟
        ("第一支部", "党课", "讲", "2017-07-05", "丙、己", "", "", ""),       # 5: 丙 left; 己
        ("第一支部", "党课", "讲", "2999-01-01", "甲", "", "", ""),           # 6: future
        ("第一小组", "党员大会", "大会", "2017-06-05", "甲", "", "", ""),     # 7: a group's meeting
        ("第一支部", "开会", "", "17-6-5", "甲", "乙", "", ""),               # 8: three cells
        ("第一支部", "党课", "x" * 201, "2017-06-05", "甲", "", "", ""),      # 9: theme too long
    ]
    for encode in (xlsx, csv):
        result = rpc.activity.import_activities(tree["bureau"]["id"], encode(*rows), False,
                                                "admin")
        got = [(e["row"], e["column"]) for e in result["errors"]]
        assert got == [(3, "组织"), (4, "出席"), (5, "出席"), (5, "出席"), (6, "日期"),
                       (7, "组织"), (8, "类型"), (8, "主题"), (8, "日期"), (8, "请假事由"),
                       (9, "主题")], result["errors"]
        assert result["created"] == 0 and result["dry_run"] is False
        messages = {(e["row"], e["column"]): e["message"] for e in result["errors"]}
        assert "2 members named 王伟" in messages[(4, "出席")]
        assert [e["message"] for e in result["errors"] if e["row"] == 5] == [
            "丙 did not belong to 第一支部 on 2017-07-05", "nobody named 己 belongs to 科技局"]
        assert "in the future" in messages[(6, "日期")]
        assert "held by a branch" in messages[(7, "组织")]
        assert stored(engine_of) == (0, 0, 0)


def test_a_file_that_cannot_be_read_is_bad_input(tree, rpc):
    for file, words in [
            ("这不是base64", "not base64"),
            (base64.b64encode(b"PK\x03\x04 not a workbook").decode(), ".xlsx"),
            (base64.b64encode("组织,类型,主题\n".encode()).decode(), "lacks the column(s) 日期")]:
        with pytest.raises(BadInput) as err:
            rpc.activity.import_activities(tree["bureau"]["id"], file, False, "admin")
        assert err.value.field == "file" and words in err.value.message


def test_an_import_into_an_unknown_organisation_is_bad_input(tree, rpc):
    with pytest.raises(BadInput) as err:
        rpc.activity.import_activities("nowhere", csv(GOOD_ROWS[1]), False, "admin")
    assert err.value.field == "orgId"


def test_names_resolve_only_inside_the_import_organisation(tree, rpc):
    """Importing into 第二支部: 第一支部 is outside it, and so are its members."""
    result = rpc.activity.import_activities(
        tree["second"]["id"], csv(GOOD_ROWS[0], ("第二支部", "党课", "讲", "2017-06-05", "甲", "",
                                                 "", "")), True, "admin")
    assert [(e["row"], e["column"], e["message"]) for e in result["errors"]] == [
        (2, "组织", "there is no organisation named 第一支部 in 第二支部"),
        (3, "出席", "nobody named 甲 belongs to 第二支部")]
