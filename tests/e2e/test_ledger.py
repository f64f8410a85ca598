"""The ledger through the front door: manual adjustments (手工调整), dues
(缴纳党费), points by four-qualified dimension (四个合格) and dual records
(双记实), on the shared platform, in a city of this module's own, all on
today (a contact branch, 联系点, counts from the day it is assigned):

- branch A holds an activity day (M present, N absent, cadre K a guest), a
  general meeting (M and N present, K a guest) and a volunteer service (M);
  the committee a democratic life meeting (K present); K, a bureau committee
  member of branch B, contacts branch A and visits a household;
- M's dues are recorded for January and this month (a second January is
  CONFLICT); M is adjusted +5 in study and -2 in discipline;
- bad adjustments and dues are BAD_INPUT naming the field and write
  nothing; a member's own token may adjust nobody, itself included;
- fourQualified and dualRecord answer what was computed by hand below."""
import pytest
from sqlalchemy import create_engine, func, select

from services.scoring.models import adjustment_audit, contact_branches, point_entries
from shared import clock
from tests.e2e.conftest import admin, eventually, refused, token
from tools.client import GraphQLFailed

ADJUST = """mutation($i: AdjustmentInput!) { adjustPoints(input: $i) {
    id rule category points sourceEvent occurredOn reason adjustedBy dimension } }"""
DUES = """mutation($m: ID!, $month: String!, $a: Float!) {
    recordDues(memberId: $m, month: $month, amount: $a) {
    id rule category points occurredOn adjustedBy dimension } }"""
FOUR = """query($m: ID!, $y: Int!) { fourQualified(memberId: $m, year: $y) {
    dimension score } }"""
DUAL = """query($m: ID!, $y: Int!) { dualRecord(memberId: $m, year: $y) {
    member { id } year cadre activityDays orgLifeMeetings dualOrgLife
    democraticLifeMeetings grassrootsVisits duesMonthsPaid volunteerServices } }"""
POINTS = """query($m: ID!, $y: Int!) { member(id: $m) { points(year: $y) {
    total entries { rule points dimension adjustedBy } } } }"""


@pytest.fixture(scope="module")
def world(platform):
    client = admin(platform)
    today = clock.today()
    top = client.create_org("账本市", "CITY")["id"]
    bureau = client.create_org("账本局", "BUREAU", top)["id"]
    committee = client.create_org("账本局党委", "COMMITTEE", bureau)["id"]
    a, b = (client.create_org(n, "BRANCH", committee)["id"] for n in ("账本一支部", "账本二支部"))
    w = {"client": client, "platform": platform, "today": today, "year": today.year,
         "a": a, "b": b}
    w["m"] = client.register_member("账本甲", a)["id"]
    w["n"] = client.register_member("账本乙", a)["id"]
    w["k"] = client.register_member("账本委员", b, ["bureau_committee"])["id"]
    client.run("""mutation($m: ID!, $b: ID!) { assignContactBranch(memberId: $m, branchId: $b) {
        id } }""", {"m": w["k"], "b": a})
    eventually(lambda: _assert(scoring_count(platform, contact_branches) >= 1),
               timeout=30, what="scoring knowing the contact")
    day = today.isoformat()
    present = lambda *ms: [{"memberId": m, "status": "PRESENT"} for m in ms]  # noqa: E731
    client.record_activity(a, "ACTIVITY_DAY", "账本活动日", day,
                           present(w["m"]) + [{"memberId": w["n"], "status": "ABSENT"}],
                           guestIds=[w["k"]])
    client.record_activity(a, "GENERAL_MEETING", "账本党员大会", day, present(w["m"], w["n"]),
                           guestIds=[w["k"]])
    client.record_activity(a, "VOLUNTEER_SERVICE", "账本志愿服务", day, present(w["m"]))
    client.record_activity(committee, "DEMOCRATIC_LIFE_MEETING", "账本民主生活会", day,
                           present(w["k"]))
    household = eventually(lambda: client.run(
        """mutation($i: HouseholdInput!) { registerHousehold(input: $i) { id } }""",
        {"i": {"memberId": w["k"], "name": "账本户", "address": "一路1号"}}),
        what="activity knowing the member")["registerHousehold"]["id"]
    client.run("""mutation($h: ID!, $on: Date!, $n: String!) { logHouseholdVisit(
        householdId: $h, on: $on, note: $n) { id } }""",
               {"h": household, "on": day, "n": "走访"})
    w["secretary"] = token(scope=a, roles=("secretary",), sub="账本书记")
    # M adjusted +5 in study (by the branch's secretary) and -2 in discipline,
    # and dues paid for January and this month
    w["up"] = client.run(ADJUST, {"i": {"memberId": w["m"], "points": 5, "category": "study",
                                        "reason": " 表彰学习标兵 ", "on": day}},
                         token=w["secretary"])["adjustPoints"]
    w["down"] = client.run(ADJUST, {"i": {"memberId": w["m"], "points": -2,
                                          "category": "discipline", "reason": "迟到",
                                          "on": day}})["adjustPoints"]
    w["months"] = months(w["year"], today)
    w["paid"] = [client.run(DUES, {"m": w["m"], "month": month, "a": 30})["recordDues"]
                 for month in w["months"]]
    return w


def _assert(condition):
    assert condition
    return condition


def scoring_count(platform, table, **where):
    engine = create_engine(platform.database_urls["scoring"])
    try:
        with engine.connect() as conn:
            query = select(func.count()).select_from(table)
            for column, value in where.items():
                query = query.where(table.c[column] == value)
            return conn.execute(query).scalar()
    finally:
        engine.dispose()


def months(year, today):
    """January and this month (only January in January)."""
    return sorted({f"{year}-01", today.strftime("%Y-%m")})


def test_adjustments_and_dues_post_once_with_who_and_why(world):
    client, m, year = world["client"], world["m"], world["year"]
    up, down = world["up"], world["down"]
    assert {k: v for k, v in up.items() if k != "id"} == {
        "rule": "manual-adjustment", "category": "study", "points": 5.0, "sourceEvent": None,
        "occurredOn": world["today"].isoformat(), "reason": "表彰学习标兵",
        "adjustedBy": "账本书记", "dimension": "POLITICAL"}
    assert (down["adjustedBy"], down["dimension"]) == ("tester", "DISCIPLINE")
    for entry in world["paid"]:
        assert (entry["rule"], entry["points"], entry["dimension"], entry["adjustedBy"]) == (
            "dues-paid", 1.0, "DISCIPLINE", None)
    entries = client.run(POINTS, {"m": m, "y": year})["member"]["points"]["entries"]
    assert sorted((e["rule"], e["points"], e["adjustedBy"]) for e in entries
                  if e["rule"] in ("manual-adjustment", "dues-paid")) == sorted(
        [("manual-adjustment", 5.0, "账本书记"), ("manual-adjustment", -2.0, "tester")]
        + [("dues-paid", 1.0, None)] * len(world["months"]))
    assert refused(client, DUES, {"m": m, "month": f"{year}-01", "a": 45}) == ["CONFLICT"]
    assert scoring_count(world["platform"], adjustment_audit, member_id=m) == 2


@pytest.mark.parametrize("change, field", [
    ({"points": 0}, "points"), ({"points": 20.01}, "points"), ({"points": -21}, "points"),
    ({"reason": "   "}, "reason"), ({"category": "sports"}, "category"),
    ({"on": "2999-01-01"}, "on")])
def test_a_bad_adjustment_is_bad_input_naming_the_field_and_writes_nothing(
        world, change, field):
    client, m = world["client"], world["m"]
    before = scoring_count(world["platform"], point_entries, member_id=m)
    data = {"memberId": m, "points": 3, "category": "study", "reason": "理由",
            "on": world["today"].isoformat(), **change}
    with pytest.raises(GraphQLFailed) as err:
        client.run(ADJUST, {"i": data})
    assert err.value.codes == ["BAD_INPUT"]
    assert err.value.errors[0]["extensions"]["field"] == field
    assert scoring_count(world["platform"], point_entries, member_id=m) == before
    assert scoring_count(world["platform"], adjustment_audit, member_id=m) <= 2


@pytest.mark.parametrize("month, amount, field", [
    ("2999-01", 30, "month"), ("June", 30, "month"), (None, 0, "amount"),
    (None, -3, "amount")])
def test_bad_dues_are_bad_input_and_write_nothing(world, month, amount, field):
    client, n = world["client"], world["n"]
    month = month or world["today"].strftime("%Y-%m")
    before = scoring_count(world["platform"], point_entries, member_id=n)
    with pytest.raises(GraphQLFailed) as err:
        client.run(DUES, {"m": n, "month": month, "a": amount})
    assert err.value.codes == ["BAD_INPUT"]
    assert err.value.errors[0]["extensions"]["field"] == field
    assert scoring_count(world["platform"], point_entries, member_id=n) == before


def test_a_members_own_token_adjusts_nobody(world):
    client, m = world["client"], world["m"]
    own = token(scope=world["a"], roles=("member",), sub=m)
    before = scoring_count(world["platform"], point_entries, member_id=m)
    for member in (m, world["n"]):
        data = {"memberId": member, "points": 20, "category": "study", "reason": "自己加分",
                "on": world["today"].isoformat()}
        assert refused(client, ADJUST, {"i": data}, token=own) == ["FORBIDDEN"]
        assert refused(client, DUES, {"m": member, "month": world["today"].strftime("%Y-%m"),
                                      "a": 30}, token=own) == ["FORBIDDEN"]
    assert scoring_count(world["platform"], point_entries, member_id=m) == before


def test_four_qualified_sums_each_dimension_by_hand(world):
    """M: activity day 2 + meeting 1 + dues 1 a month - 2 adjusted (DISCIPLINE),
    +5 adjusted (POLITICAL), volunteer service 3 (CONDUCT). N: absent from
    the activity day -3, at the meeting +1 (DISCIPLINE)."""
    client, year = world["client"], world["year"]
    dues_months = len(world["months"])
    expected = {world["m"]: [("POLITICAL", 5.0), ("DISCIPLINE", 2 + 1 + dues_months - 2.0),
                             ("CONDUCT", 3.0), ("CONTRIBUTION", 0.0)],
                world["n"]: [("POLITICAL", 0.0), ("DISCIPLINE", -2.0), ("CONDUCT", 0.0),
                             ("CONTRIBUTION", 0.0)]}

    def check():
        for member, want in expected.items():
            got = client.run(FOUR, {"m": member, "y": year})["fourQualified"]
            assert [(d["dimension"], d["score"]) for d in got] == want, (member, got)
    eventually(check, timeout=30, what="the activities' points")
    # the four sum to the year's total
    total = client.run(POINTS, {"m": world["m"], "y": year})["member"]["points"]["total"]
    assert total == pytest.approx(sum(p for _, p in expected[world["m"]]))


def test_dual_records_of_a_cadre_and_an_ordinary_member_by_hand(world):
    client, year, dues_months = world["client"], world["year"], len(world["months"])
    expected = {
        # present at the activity day, the meeting and the volunteer service; dues
        world["m"]: {"cadre": False, "activityDays": 1, "orgLifeMeetings": 1,
                     "dualOrgLife": 0, "democraticLifeMeetings": 0, "grassrootsVisits": 0,
                     "duesMonthsPaid": dues_months, "volunteerServices": 1},
        # a guest at branch A's activity day and meeting (the contact branch),
        # at the committee's democratic life meeting, and one household visited
        world["k"]: {"cadre": True, "activityDays": 1, "orgLifeMeetings": 0,
                     "dualOrgLife": 1, "democraticLifeMeetings": 1, "grassrootsVisits": 3,
                     "duesMonthsPaid": 0, "volunteerServices": 0},
        world["n"]: {"cadre": False, "activityDays": 0, "orgLifeMeetings": 1,
                     "dualOrgLife": 0, "democraticLifeMeetings": 0, "grassrootsVisits": 0,
                     "duesMonthsPaid": 0, "volunteerServices": 0}}

    def check():
        for member, want in expected.items():
            got = client.run(DUAL, {"m": member, "y": year})["dualRecord"]
            assert got == {"member": {"id": member}, "year": year, **want}, (member, got)
    eventually(check, timeout=30, what="the dual records")
    # a year without facts answers zeros
    last = client.run(DUAL, {"m": world["m"], "y": year - 1})["dualRecord"]
    counts = {k: v for k, v in last.items() if k not in ("member", "year", "cadre")}
    assert counts == dict.fromkeys(
        ("activityDays", "orgLifeMeetings", "dualOrgLife", "democraticLifeMeetings",
         "grassrootsVisits", "duesMonthsPaid", "volunteerServices"), 0)
