"""Study through the front door: a branch files its study and 三会一课
plans and files one again (the first day kept, the items replaced); a
month's item turns held once the branch holds an activity of that kind; a
member files their self-study plan and logs entries with their own token,
and may not write another's; a viewer writes nothing; bad input writes
nothing; a member's theme proposed to the bureau committee is adopted once
the committee's plan holds it."""
import pytest

from shared import clock
from tests.e2e.conftest import (admin, eventually, meetings_items, once_known, refused,
                                study_items, token)
from tools.client import GraphQLFailed

PLAN = """mutation($i: AnnualPlanInput!) { fileAnnualPlan(input: $i) {
    id year kind filedOn org { id } items { month kind theme source held } } }"""
READ_PLAN = """query($o: ID!, $y: Int!, $k: PlanKind!) { annualPlan(orgId: $o, year: $y,
    kind: $k) { id filedOn items { month kind theme source held } } }"""
SELF_PLAN = """mutation($i: SelfStudyPlanInput!) { fileSelfStudyPlan(input: $i) {
    member { id } year goals filedOn } }"""
READ_SELF_PLAN = """query($m: ID!, $y: Int!) { selfStudyPlan(memberId: $m, year: $y) {
    goals content schedule safeguards filedOn } }"""
LOG = """mutation($i: SelfStudyEntryInput!) { logSelfStudy(input: $i) {
    id on kind title minutes evidence member { id } } }"""
READ_LOG = """query($m: ID!, $f: Date!, $t: Date!) { selfStudyLog(memberId: $m, from: $f,
    to: $t) { id on title evidence } }"""
PROPOSE = """mutation($o: ID!, $m: ID!, $t: String!) { proposeTheme(orgId: $o, memberId: $m,
    theme: $t) { id theme proposedOn adopted proposer { id } } }"""
PROPOSALS = """query($o: ID!, $y: Int!) { themeProposals(orgId: $o, year: $y) {
    id theme adopted org { id } proposer { id } } }"""



@pytest.fixture(scope="module")
def world(platform):
    client = admin(platform)
    city = client.create_org("学习市", "CITY")["id"]
    bureau = client.create_org("科技局", "BUREAU", city)["id"]
    committee = client.create_org("局党委", "COMMITTEE", bureau)["id"]
    branch = client.create_org("第一支部", "BRANCH", committee)["id"]
    other_bureau = client.create_org("教育局", "BUREAU", city)["id"]
    other_committee = client.create_org("局党委", "COMMITTEE", other_bureau)["id"]
    me = client.register_member("甲", branch)["id"]
    neighbour = client.register_member("乙", branch)["id"]
    return {"client": client, "committee": committee, "branch": branch,
            "other_committee": other_committee, "me": me, "neighbour": neighbour,
            "year": clock.today().year,
            "secretary": token(branch, ("secretary",), sub="secretary-1"),
            "member": token(branch, ("member",), sub=me),
            "viewer": token(branch, ("viewer",), sub="viewer-1")}


def test_a_branch_files_its_plans_refiles_and_sees_the_months_held(world):
    client, branch, year = world["client"], world["branch"], world["year"]
    secretary = world["secretary"]
    study = once_known(client, PLAN, {"i": {"orgId": branch, "year": year, "kind": "STUDY",
                                            "items": study_items("学")}},
                       token=secretary)["fileAnnualPlan"]
    assert study["org"]["id"] == branch and study["filedOn"] == clock.today().isoformat()
    assert not any(i["held"] for i in study["items"])
    meetings = client.run(PLAN, {"i": {"orgId": branch, "year": year, "kind": "MEETINGS",
                                       "items": meetings_items()}},
                          token=secretary)["fileAnnualPlan"]
    assert meetings["kind"] == "MEETINGS" and len(meetings["items"]) == 17

    # a meetings plan without a general meeting in Q3: refused, nothing changed
    bad = [i for i in meetings_items() if i["month"] != 7 or i["kind"] != "GENERAL_MEETING"]
    with pytest.raises(GraphQLFailed) as err:
        client.run(PLAN, {"i": {"orgId": branch, "year": year, "kind": "MEETINGS",
                                "items": bad}}, token=secretary)
    assert err.value.codes == ["BAD_INPUT"]
    assert "Q3 (July to September) has no general meeting" in str(err.value)
    assert len(client.run(READ_PLAN, {"o": branch, "y": year, "k": "MEETINGS"})
               ["annualPlan"]["items"]) == 17
    # a viewer files nothing
    assert refused(client, PLAN, {"i": {"orgId": branch, "year": year, "kind": "STUDY",
                                        "items": study_items("看")}},
                   world["viewer"]) == ["FORBIDDEN"]

    refiled = client.run(PLAN, {"i": {"orgId": branch, "year": year, "kind": "STUDY",
                                      "items": study_items("再学")}},
                         token=secretary)["fileAnnualPlan"]
    assert refiled["id"] == study["id"] and refiled["filedOn"] == study["filedOn"]
    assert [i["theme"] for i in refiled["items"]] == [f"再学{m}" for m in range(1, 13)]

    today = clock.today()
    client.record_activity(branch, "ACTIVITY_DAY", "主题党日", today.isoformat(),
                           [{"memberId": world["me"], "status": "PRESENT"}])

    def held():
        items = client.run(READ_PLAN, {"o": branch, "y": year, "k": "STUDY"})[
            "annualPlan"]["items"]
        assert [i["month"] for i in items if i["held"]] == [today.month], items
        return items
    items = eventually(held, what="this month's item held")
    assert items[today.month - 1]["theme"] == f"再学{today.month}"
    assert client.run(READ_PLAN, {"o": world["committee"], "y": year, "k": "STUDY"})[
        "annualPlan"] is None


def test_a_member_files_and_logs_their_own_self_study_only(world):
    client, me, year = world["client"], world["me"], world["year"]
    member = world["member"]
    today = clock.today().isoformat()
    plan = {"memberId": me, "year": year, "goals": "学懂弄通", "content": "党章党规",
            "schedule": "每周两次", "safeguards": "支部督促"}
    filed = once_known(client, SELF_PLAN, {"i": plan}, token=member)["fileSelfStudyPlan"]
    assert filed["member"]["id"] == me and filed["filedOn"] == today
    again = client.run(SELF_PLAN, {"i": {**plan, "goals": "学以致用"}},
                       token=member)["fileSelfStudyPlan"]
    assert again["filedOn"] == today and again["goals"] == "学以致用"

    entries = [client.run(LOG, {"i": {"memberId": me, "on": today, "kind": kind,
                                      "title": title, "minutes": 30, **extra}},
                          token=member)["logSelfStudy"]
               for kind, title, extra in (("READING", "读《党章》", {"evidence": "笔记"}),
                                          ("VIDEO", "看党课视频", {}))]
    assert entries[0]["evidence"] == "笔记" and entries[1]["evidence"] is None
    shown = client.run(READ_LOG, {"m": me, "f": f"{year}-01-01", "t": today},
                       token=member)["selfStudyLog"]
    assert [e["id"] for e in shown] == [e["id"] for e in entries]

    # another member's records, a viewer, bad input: refused, nothing written
    neighbour_plan = {**plan, "memberId": world["neighbour"]}
    assert refused(client, SELF_PLAN, {"i": neighbour_plan}, member) == ["FORBIDDEN"]
    assert refused(client, SELF_PLAN, {"i": plan}, world["viewer"]) == ["FORBIDDEN"]
    line = {"memberId": me, "on": today, "kind": "READING", "title": "读书", "minutes": 20}
    assert refused(client, LOG, {"i": {**line, "memberId": world["neighbour"]}},
                   member) == ["FORBIDDEN"]
    assert refused(client, LOG, {"i": line}, world["viewer"]) == ["FORBIDDEN"]
    for bad in ({"minutes": 0}, {"minutes": 601}, {"on": f"{year + 1}-12-31"},
                {"title": "  "}, {"evidence": "证" * 501}):
        assert refused(client, LOG, {"i": {**line, **bad}}, member) == ["BAD_INPUT"]
    assert refused(client, SELF_PLAN, {"i": {**plan, "content": ""}}, member) == ["BAD_INPUT"]
    assert client.run(READ_SELF_PLAN, {"m": world["neighbour"], "y": year})[
        "selfStudyPlan"] is None
    assert client.run(READ_SELF_PLAN, {"m": me, "y": year}, token=member)["selfStudyPlan"][
        "goals"] == "学以致用"
    assert len(client.run(READ_LOG, {"m": me, "f": f"{year}-01-01", "t": today})[
        "selfStudyLog"]) == 2
    assert client.run(READ_LOG, {"m": world["neighbour"], "f": f"{year}-01-01", "t": today})[
        "selfStudyLog"] == []


def test_a_members_theme_to_the_bureau_committee_is_adopted_once_planned(world):
    client, me, year, committee = world["client"], world["me"], world["year"], \
        world["committee"]
    member = world["member"]
    proposed = once_known(client, PROPOSE, {"o": committee, "m": me, "t": "学习新思想"},
                          token=member)["proposeTheme"]
    assert proposed["adopted"] is False and proposed["proposer"]["id"] == me
    # not to a committee the member is not under, nor for another member
    assert refused(client, PROPOSE, {"o": world["other_committee"], "m": me, "t": "别的"},
                   member) == ["FORBIDDEN"]
    assert refused(client, PROPOSE, {"o": committee, "m": world["neighbour"], "t": "别的"},
                   member) == ["FORBIDDEN"]
    shown = client.run(PROPOSALS, {"o": committee, "y": year})["themeProposals"]
    assert [(p["id"], p["adopted"], p["org"]["id"]) for p in shown] == \
        [(proposed["id"], False, committee)]

    items = [{"month": m, "kind": "CENTRAL_GROUP_STUDY", "theme": f"中心组{m}"}
             for m in range(1, 13)]
    items.append({"month": 3, "kind": "CENTRAL_GROUP_STUDY", "theme": "学习新思想",
                  "source": "MEMBER"})
    client.run(PLAN, {"i": {"orgId": committee, "year": year, "kind": "STUDY",
                            "items": items}})
    shown = client.run(PROPOSALS, {"o": world["branch"], "y": year})["themeProposals"]
    assert shown == []  # made to the committee, above the branch
    shown = client.run(PROPOSALS, {"o": committee, "y": year})["themeProposals"]
    assert [(p["id"], p["adopted"]) for p in shown] == [(proposed["id"], True)]
