"""The activity commands with the organisation register and the database
faked (services/activity/handlers.py): how many lookups a batch costs, how a
bad input is named, and that nothing is written unless all is good."""
import base64
from contextlib import contextmanager

import pytest

from services.activity import handlers
from shared.errors import BadInput

BRANCH = {"id": "br", "name": "第一支部", "kind": "BRANCH", "parent_id": "k", "bureau_id": "b",
          "path": ["c", "b", "k", "br"], "created_at": None}


class FakeUow:
    def __init__(self, db):
        self.db = db
        self.session = self
        self.rows = {}
        self.events = []

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *_):
        if exc_type is None:
            self.db.committed.append(self)
        return False

    def execute(self, statement, rows):
        self.rows.setdefault(statement.table.name, []).extend(rows)

    def emit(self, event_type, bureau_id, payload):
        self.events.append((event_type, bureau_id, payload))

    def answer(self, result):
        self.answered = result
        return result


class FakeDb:
    def __init__(self):
        self.committed = []

    def uow(self, request=None):
        return FakeUow(self)

    @contextmanager
    def connect(self):
        yield None


@pytest.fixture(autouse=True)
def recorded(monkeypatch):
    """The keys of activities already recorded (none unless a test adds some)."""
    keys = set()
    monkeypatch.setattr(handlers.views, "recorded_keys", lambda conn, path, start, end: keys)
    return keys


class Register:
    """describe_for_activities and directory, counting the calls."""

    def __init__(self, members=("m1", "m2"), elsewhere=None):
        self.members = list(members)
        # members of other branches on the day: {id: bureau id}
        self.elsewhere = elsewhere or {"g1": "b", "g2": "b", "s1": "b", "x1": "other"}
        self.describe_calls = []

    def _answer(self, request):
        if request["org_id"] != "br":
            return {"error": {"code": "NOT_FOUND", "message": f"no {request['org_id']}"}}
        answer = {"org": BRANCH, "member_ids": self.members}
        if "extra_member_ids" in request:
            answer["extra_members"] = {
                m: {"branch_id": "br2", "branch_path": ["c", "b", "k", "br2"],
                    "bureau_id": self.elsewhere[m]} if m in self.elsewhere else None
                for m in request["extra_member_ids"]}
        return answer

    def describe(self, requests):
        self.describe_calls.append(requests)
        return [self._answer(r) for r in requests]

    def directory(self, org_id):
        return {"org": BRANCH, "orgs": [BRANCH],
                "members": [{"id": "m1", "name": "甲"}, {"id": "m2", "name": "乙"}]}


def data(theme="学习", **overrides):
    return {"org_id": "br", "kind": "ACTIVITY_DAY", "theme": theme, "held_on": "2017-06-03",
            "attendance": [{"member_id": "m1", "status": "PRESENT"},
                           {"member_id": "m2", "status": "ABSENT"}], **overrides}


def test_a_batch_of_500_costs_one_lookup_and_one_transaction():
    db, register = FakeDb(), Register()
    recorded = handlers.record_activities(db, [data(f"第{i}次") for i in range(500)], "sec",
                                          register.describe)
    ids = [a["id"] for a in recorded]
    assert len(register.describe_calls) == 1 and len(register.describe_calls[0]) == 500
    [uow] = db.committed
    # the answer is what the transaction wrote, not a read after it
    assert uow.answered == recorded and recorded[1] == {
        "id": ids[1], "org_id": "br", "kind": "ACTIVITY_DAY", "theme": "第1次",
        "held_on": "2017-06-03", "bureau_id": "b", "speaker_id": None, "recorded_by": "sec",
        "guest_ids": [], "theme_source": "SUPERIOR", "org_path": ("c", "b", "k", "br"),
        "attendance": [{"member_id": "m1", "status": "PRESENT", "reason": None},
                       {"member_id": "m2", "status": "ABSENT", "reason": None}],
        "minutes": None}
    assert len(uow.rows["activities"]) == 500 and len(uow.rows["attendance"]) == 1000
    assert [r["id"] for r in uow.rows["activities"]] == ids
    assert [r["theme"] for r in uow.rows["activities"]] == [f"第{i}次" for i in range(500)]
    assert [e[0] for e in uow.events] == ["activity_recorded"] * 500
    assert uow.events[0][2] == {
        "activity_id": ids[0], "org_id": "br", "org_path": ["c", "b", "k", "br"],
        "kind": "ACTIVITY_DAY", "theme": "第0次", "held_on": "2017-06-03", "speaker_id": None,
        "guest_ids": [], "theme_source": "SUPERIOR",
        "attendance": [{"member_id": "m1", "status": "PRESENT"},
                       {"member_id": "m2", "status": "ABSENT"}]}
    assert "activity_guests" not in uow.rows


def test_speakers_and_guests_of_a_batch_cost_the_same_one_lookup():
    db, register = FakeDb(), Register()
    inputs = [data(f"第{i}次", kind="PARTY_LECTURE", speaker_id="s1", guest_ids=["g1", "g2"],
                   theme_source="MEMBER") for i in range(300)]
    recorded = handlers.record_activities(db, inputs, "sec", register.describe)
    [call] = register.describe_calls
    assert call[0] == {"org_id": "br", "day": "2017-06-03",
                       "extra_member_ids": ["s1", "g1", "g2"]}
    [uow] = db.committed
    assert len(uow.rows["activity_guests"]) == 600
    assert uow.rows["activity_guests"][:2] == [
        {"activity_id": recorded[0]["id"], "member_id": "g1", "position": 0},
        {"activity_id": recorded[0]["id"], "member_id": "g2", "position": 1}]
    assert {r["theme_source"] for r in uow.rows["activities"]} == {"MEMBER"}
    event = uow.events[0][2]
    assert (event["speaker_id"], event["guest_ids"], event["theme_source"]) == \
        ("s1", ["g1", "g2"], "MEMBER")
    # guests are no attendance lines
    assert [a["member_id"] for a in event["attendance"]] == ["m1", "m2"]
    assert recorded[0]["guest_ids"] == ["g1", "g2"] and recorded[0]["theme_source"] == "MEMBER"


@pytest.mark.parametrize("overrides, message, field", [
    ({"guest_ids": ["g1", "m3"]}, "this guest belonged to 第一支部", "guestIds[1]"),
    ({"guest_ids": ["nobody"]}, "this guest was not a party member on 2017-06-03",
     "guestIds[0]"),
    ({"guest_ids": ["x1"]}, "a guest comes from the same bureau", "guestIds[0]"),
    ({"guest_ids": ["g1", "g1"]}, "this guest is listed twice", "guestIds[1]"),
    ({"guest_ids": ["m2"]}, "this guest is also in the attendance", "guestIds[0]"),
    ({"speaker_id": "nobody"}, "the speaker nobody was not a party member", "speakerId"),
    ({"theme_source": "BOSS"}, "'BOSS' is not a theme source", "themeSource"),
])
def test_a_bad_guest_speaker_or_theme_source_is_named_and_nothing_is_written(
        overrides, message, field):
    db, register = FakeDb(), Register(members=("m1", "m2", "m3"))
    with pytest.raises(BadInput) as err:
        handlers.record_activities(db, [data(), data(**overrides)], "sec", register.describe)
    assert err.value.message.startswith(f"inputs[1]: {message}"), err.value.message
    assert err.value.field == f"inputs[1].{field}"
    assert db.committed == []
    with pytest.raises(BadInput) as err:
        handlers.record_activity(db, data(**overrides), "sec", register.describe)
    assert err.value.field == field and db.committed == []


def test_a_speaker_from_another_branch_is_accepted():
    db, register = FakeDb(), Register()
    recorded = handlers.record_activity(db, data(kind="PARTY_LECTURE", speaker_id="s1"), "sec",
                                        register.describe)
    assert recorded["speaker_id"] == "s1" and recorded["guest_ids"] == []
    assert register.describe_calls == [[{"org_id": "br", "day": "2017-06-03",
                                         "extra_member_ids": ["s1"]}]]


@pytest.mark.parametrize("bad, message, field", [
    (data(theme=""), "inputs[2]: every activity needs a theme", "inputs[2].theme"),
    (data(attendance=[{"member_id": "m9", "status": "PRESENT"}]),
     "inputs[2]: not members of 第一支部 on 2017-06-03: m9", "inputs[2].attendance"),
    (data(org_id="elsewhere"), "inputs[2]: there is no branch, party group or committee "
     "elsewhere", "inputs[2].orgId"),
    ("not an object", "inputs[2]: the activity must be an object", "inputs[2]"),
])
def test_the_first_bad_input_is_named_by_index_and_nothing_is_written(bad, message, field):
    db, register = FakeDb(), Register()
    with pytest.raises(BadInput) as err:
        handlers.record_activities(db, [data(), data(), bad, data()], "sec", register.describe)
    assert err.value.message.startswith(message) and err.value.field == field
    assert db.committed == []


def test_more_than_500_or_not_a_list_is_refused_before_any_lookup():
    db, register = FakeDb(), Register()
    for inputs in ([data()] * 501, {"a": 1}):
        with pytest.raises(BadInput) as err:
            handlers.record_activities(db, inputs, "sec", register.describe)
        assert err.value.field == "inputs"
    assert register.describe_calls == [] and db.committed == []


def csv_file(rows):
    lines = ["组织,类型,主题,日期,出席,请假,缺席"] + rows
    return base64.b64encode("\n".join(lines).encode()).decode()


def test_an_import_asks_once_per_distinct_organisation_and_day_in_batches(monkeypatch):
    monkeypatch.setattr(handlers, "DESCRIBE_BATCH", 30)
    db, register = FakeDb(), Register()
    rows = [f"第一支部,党课,第{i}讲,2017-{1 + i % 12:02d}-{1 + i % 28:02d},甲,,乙"
            for i in range(1000)]
    result = handlers.import_activities(db, "br", csv_file(rows), False, "admin",
                                        register.describe, register.directory)
    assert result == {"dry_run": False, "created": 1000, "errors": []}
    pairs = {(r["org_id"], r["day"]) for call in register.describe_calls for r in call}
    assert sum(len(call) for call in register.describe_calls) == len(pairs) == 84
    assert [len(call) for call in register.describe_calls] == [30, 30, 24]
    [uow] = db.committed
    assert len(uow.rows["activities"]) == len(uow.events) == 1000


def test_an_import_with_a_bad_row_or_a_dry_run_writes_nothing():
    db, register = FakeDb(), Register()
    good, stranger = "第一支部,党课,讲,2017-06-03,甲,,乙", "第一支部,党课,讲,2017-06-03,丙,,"
    result = handlers.import_activities(db, "br", csv_file([good, stranger]), False, "admin",
                                        register.describe, register.directory)
    assert result["created"] == 0
    assert result["errors"] == [{"row": 3, "column": "出席",
                                 "message": "nobody named 丙 belongs to 第一支部"}]
    again = good.replace("讲", "再讲")
    result = handlers.import_activities(db, "br", csv_file([good, again]), True, "admin",
                                        register.describe, register.directory)
    assert result == {"dry_run": True, "created": 2, "errors": []}
    assert db.committed == []


def test_rows_already_recorded_or_repeated_in_the_file_are_errors(recorded):
    db, register = FakeDb(), Register()
    recorded.add(("br", "PARTY_LECTURE", "2017-06-03", "讲"))
    rows = ["第一支部,党课,讲,2017-06-03,甲,,乙", "第一支部,党课,再讲,2017-06-03,甲,,",
            "第一支部,PARTY_LECTURE,再讲,2017-06-03,乙,,"]
    result = handlers.import_activities(db, "br", csv_file(rows), True, "admin",
                                        register.describe, register.directory)
    assert [(e["row"], e["column"]) for e in result["errors"]] == [(2, None), (4, None)]
    assert "already recorded" in result["errors"][0]["message"]
    assert result["errors"][1]["message"].startswith("the same activity as row 3")
    assert result["created"] == 0 and db.committed == []
