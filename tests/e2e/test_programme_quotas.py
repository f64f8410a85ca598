"""The study quotas through the front door, with the platform's day pinned
(XF_TODAY) and moved forward across a restart, as a city lives them:

- on 2026-01-20 branch A files its study and 三会一课 plans (on time), a
  member files a self-study plan and logs entries (points follow), a bureau
  committee member lectures at the branch they contact (S5-COM MET) and
  attends its organisational life meeting as a guest (A7-LEAD MET), the
  bureau secretary lectures at another branch (S5-SEC MET); a committee
  member who lectures at a branch they do not contact counts nothing;
- the platform stops and starts again on 2026-04-01: branch B files its
  study plan late, which does not count; the Jan 31 and Mar 31 deadlines
  have passed, so every unmet plan quota is MISSED and its branch has one
  supervision item, while the yearly quotas stay PENDING."""
import datetime as dt

import pytest

from tests.e2e.conftest import (_platform, admin, eventually, meetings_items, once_known,
                                restart_on, study_items)
from tools import demo

FIRST_DAY, LATER_DAY, YEAR = "2026-01-20", "2026-04-01", 2026

PLAN = """mutation($i: AnnualPlanInput!) { fileAnnualPlan(input: $i) { id filedOn } }"""
SELF_PLAN = """mutation($i: SelfStudyPlanInput!) { fileSelfStudyPlan(input: $i) { filedOn } }"""
LOG = """mutation($i: SelfStudyEntryInput!) { logSelfStudy(input: $i) { id evidence } }"""
ROLES = """mutation($m: ID!, $r: [String!]!, $on: Date) {
    setMemberRoles(memberId: $m, roles: $r, on: $on) { id roles } }"""
CONTACT = """mutation($m: ID!, $b: ID!) { assignContactBranch(memberId: $m, branchId: $b) {
    id contactBranches { id } } }"""
COMPLIANCE = """query($o: ID!, $p: String!) { compliance(orgId: $o, period: $p) {
    results { rule subjectId required actual status } } }"""
ITEMS = """query($o: ID!) { supervisionItems(orgId: $o) { org { id } rule period state } }"""
POINTS = """query($m: ID!, $y: Int!) { member(id: $m) { points(year: $y) {
    entries { rule points occurredOn } } } }"""
ACTIVITY = """mutation($i: ActivityInput!) { recordActivity(input: $i) {
    id speaker { id } guests { id } themeSource } }"""


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    yield from _platform("sqlite", tmp_path_factory, extra_env={"XF_TODAY": FIRST_DAY})


def results(client, org_id):
    rows = client.run(COMPLIANCE, {"o": org_id, "p": str(YEAR)})["compliance"]["results"]
    return {(r["rule"], r["subjectId"]): (r["actual"], r["status"]) for r in rows}


@pytest.fixture(scope="module")
def city(platform):
    client = admin(platform)
    top = client.create_org("先锋市", "CITY")["id"]
    bureau = client.create_org("科技局", "BUREAU", top)["id"]
    committee = client.create_org("局党委", "COMMITTEE", bureau)["id"]
    a, b, c = (client.create_org(n, "BRANCH", committee)["id"]
               for n in ("机关第一支部", "机关第二支部", "事业单位支部"))
    w = {"client": client, "committee": committee, "a": a, "b": b, "c": c}
    w["a1"], w["a2"] = (client.register_member(n, a)["id"] for n in ("张一", "张二"))
    w["b1"] = client.register_member("李一", b)["id"]
    w["c1"] = client.register_member("王一", c)["id"]
    w["leader"] = client.register_member("赵委员", a, ["bureau_committee"])["id"]
    w["other_leader"] = client.register_member("钱委员", a, ["bureau_committee"])["id"]
    w["secretary"] = client.register_member("孙书记", a)["id"]
    return w


def test_the_demo_bureau_shows_its_plans_self_study_and_lecture(platform, city):
    client = city["client"]
    demo.load(client, dt.date.fromisoformat(FIRST_DAY))
    cities = client.run("""{ organizations { name children { children { id
        children { id name } } } } }""")["organizations"]
    committee = next(c for c in cities if c["name"] == "淄博市")["children"][0]["children"][0]
    first = next(b for b in committee["children"] if b["name"] == "机关第一党支部")

    def shown():
        seen = results(client, committee["id"])
        statuses = {rule: status for (rule, _), (_, status) in seen.items()
                    if rule in ("S5-SEC", "S5-COM")}
        assert statuses == {"S5-SEC": "MET", "S5-COM": "MET"}, seen
        assert seen[("S1", first["id"])] == (1, "MET")
        assert seen[("A2-PLAN", first["id"])] == (1, "MET")
    eventually(shown, what="the demo's quotas")
    plan = client.run("""query($o: ID!) { annualPlan(orgId: $o, year: 2026, kind: STUDY) {
        items { month held } } }""", {"o": first["id"]})["annualPlan"]
    assert [i["month"] for i in plan["items"] if i["held"]] == [1]
    # members' practice: talks, minutes ending with the secretary, households,
    # a pledge, a wish fulfilled; A5 met by the member with three households
    practice = client.run("""query($o: ID!) { talks(orgId: $o, year: 2026) { id }
        wishes(orgId: $o) { state claimedBy { name } }
        pledges(orgId: $o, year: 2026) { state member { name } } }""", {"o": first["id"]})
    assert len(practice["talks"]) == 2
    assert practice["wishes"] == [{"state": "FULFILLED", "claimedBy": {"name": "刘洋"}}]
    assert practice["pledges"] == [{"state": "OPEN", "member": {"name": "张伟"}}]
    minutes = [a["minutes"] for a in client.run("""query($o: ID!) { activities(orgId: $o,
        from: "2026-01-01", to: "2026-01-31") { minutes { speakers { name } } } }""",
        {"o": first["id"]})["activities"] if a["minutes"]]
    assert minutes == [{"speakers": [{"name": "李红"}, {"name": "王建国"}]}]

    def households_counted():
        seen = results(client, first["id"])
        assert sorted(status for (rule, _), (_, status) in seen.items() if rule == "A5") == \
            ["MET"] + ["PENDING"] * 4, seen
    eventually(households_counted, what="A5 for the member with three households")


def test_on_time_filings_lectures_and_guests_meet_their_quotas(city):
    client, a, b, c = city["client"], city["a"], city["b"], city["c"]
    # the bureau secretary takes office today; the committee member contacts B
    assert client.run(ROLES, {"m": city["secretary"], "r": ["bureau_secretary"],
                              "on": FIRST_DAY})["setMemberRoles"]["roles"] == \
        ["bureau_secretary", "member"]
    assert client.run(CONTACT, {"m": city["leader"], "b": b})["assignContactBranch"][
        "contactBranches"] == [{"id": b}]

    filed = once_known(client, PLAN, {"i": {"orgId": a, "year": YEAR, "kind": "STUDY",
                                             "items": study_items()}})
    assert filed["fileAnnualPlan"]["filedOn"] == FIRST_DAY
    client.run(PLAN, {"i": {"orgId": a, "year": YEAR, "kind": "MEETINGS",
                            "items": meetings_items()}})
    once_known(client, SELF_PLAN, {"i": {
        "memberId": city["a1"], "year": YEAR, "goals": "学懂弄通", "content": "党章",
        "schedule": "每周", "safeguards": "支部督促"}})
    client.run(LOG, {"i": {"memberId": city["a1"], "on": FIRST_DAY, "kind": "READING",
                           "title": "读党章", "minutes": 60, "evidence": "读书笔记"}})
    client.run(LOG, {"i": {"memberId": city["a1"], "on": FIRST_DAY, "kind": "VIDEO",
                           "title": "看视频", "minutes": 30}})

    lecture = client.run(ACTIVITY, {"i": {
        "orgId": b, "kind": "PARTY_LECTURE", "theme": "党课：初心使命", "heldOn": FIRST_DAY,
        "attendance": [{"memberId": city["b1"], "status": "PRESENT"}],
        "speakerId": city["leader"]}})["recordActivity"]
    assert lecture["speaker"] == {"id": city["leader"]} and lecture["themeSource"] == "SUPERIOR"
    meeting = client.run(ACTIVITY, {"i": {
        "orgId": b, "kind": "ORG_LIFE_MEETING", "theme": "组织生活会", "heldOn": FIRST_DAY,
        "attendance": [{"memberId": city["b1"], "status": "PRESENT"}],
        "guestIds": [city["leader"]], "themeSource": "MEMBER"}})["recordActivity"]
    assert meeting["guests"] == [{"id": city["leader"]}]
    assert meeting["themeSource"] == "MEMBER"
    client.run(ACTIVITY, {"i": {
        "orgId": c, "kind": "PARTY_LECTURE", "theme": "书记讲党课", "heldOn": FIRST_DAY,
        "attendance": [{"memberId": city["c1"], "status": "PRESENT"}],
        "speakerId": city["secretary"]}})
    # a lecture at a branch the committee member does not contact
    client.run(ACTIVITY, {"i": {
        "orgId": c, "kind": "PARTY_LECTURE", "theme": "委员讲党课", "heldOn": FIRST_DAY,
        "attendance": [], "speakerId": city["other_leader"]}})

    def quotas_followed():
        seen = results(client, city["committee"])
        wanted = {
            ("S1", a): (1, "MET"), ("S1", b): (0, "PENDING"),
            ("S1", city["committee"]): (0, "PENDING"),
            ("A2-PLAN", a): (1, "MET"), ("A2-PLAN", b): (0, "PENDING"),
            ("S4", city["a1"]): (1, "MET"), ("S4", city["a2"]): (0, "PENDING"),
            ("S5-COM", city["leader"]): (1, "MET"),
            ("S5-COM", city["other_leader"]): (0, "PENDING"),
            ("S5-SEC", city["secretary"]): (1, "MET"),
            ("A7-LEAD", city["leader"]): (1, "MET"),
            ("A7-LEAD", city["other_leader"]): (0, "PENDING"),
        }
        assert {k: seen.get(k) for k in wanted} == wanted
        # a plain member has no committee member's quotas
        assert ("S5-COM", city["a1"]) not in seen and ("S5-SEC", city["leader"]) not in seen
    eventually(quotas_followed, what="the study quotas followed")

    def points_posted():
        entries = client.run(POINTS, {"m": city["a1"], "y": YEAR})["member"]["points"][
            "entries"]
        assert sorted((e["rule"], e["points"]) for e in entries) == [
            ("self-study-log-entry", 0.5), ("self-study-plan-on-time", 2.0)]
        speaker = client.run(POINTS, {"m": city["leader"], "y": YEAR})["member"]["points"][
            "entries"]
        assert ("give-lecture", 5.0) in [(e["rule"], e["points"]) for e in speaker]
    eventually(points_posted, what="self-study and lecture points")


def test_after_the_deadlines_a_late_filing_counts_nothing_and_items_open(platform, city):
    client = city["client"]
    restart_on(platform, LATER_DAY)
    assert client.run(PLAN, {"i": {"orgId": city["b"], "year": YEAR, "kind": "STUDY",
                                   "items": study_items()}})["fileAnnualPlan"][
        "filedOn"] == LATER_DAY

    def judged_at_the_deadlines():
        seen = results(client, city["committee"])
        wanted = {
            ("S1", city["a"]): (1, "MET"), ("S1", city["b"]): (0, "MISSED"),
            ("A2-PLAN", city["b"]): (0, "MISSED"), ("S4", city["a1"]): (1, "MET"),
            ("S4", city["a2"]): (0, "MISSED"), ("S4", city["b1"]): (0, "MISSED"),
            # a yearly quota without a deadline waits for the year's end
            ("S5-COM", city["other_leader"]): (0, "PENDING"),
        }
        assert {k: seen.get(k) for k in wanted} == wanted
    eventually(judged_at_the_deadlines, timeout=30, what="the deadline quotas judged")

    def items_opened():
        items = {(i["org"]["id"], i["rule"]) for i in
                 client.run(ITEMS, {"o": city["committee"]})["supervisionItems"]
                 if i["period"] == str(YEAR)}
        assert {(city["b"], "S1"), (city["b"], "A2-PLAN"), (city["a"], "S4"),
                (city["b"], "S4"), (city["c"], "S1")} <= items, items
        assert (city["a"], "S1") not in items and not any(r == "S5-COM" for _, r in items)
    eventually(items_opened, what="one item per missed plan quota")
