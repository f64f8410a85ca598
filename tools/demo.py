"""A small demo bureau, loaded by `make run` when the platform is empty: a
city, one bureau with its committee, two branches (one with party groups),
members, this month's first activity day, the first branch's study and
三会一课 plans for the year, a member's self-study plan and log, members'
practice, evaluation: dues, a manual adjustment, check-ups and the second
branch's democratic appraisal, open and partly scored; and two pioneers of
the era (时代先锋), one of them rectifying after this year's review."""
import datetime as dt
import time

from gateway.auth import make_token
from shared import clock
from tools.client import Client, GraphQLFailed


def load_if_empty(url, secret):
    client = Client(url, make_token(secret, "demo-loader", "*", ["admin"], ttl=600))
    if client.run("{ organizations { id } }")["organizations"]:
        return None
    return load(client)


def console_users(url, secret, ttl=7 * 24 * 3600):
    """Tokens to try the console with on the demo bureau, one per kind of
    user: [(who, token)]. The demo's organisations are found by kind, so
    this holds after a restart too; empty when there is no demo bureau."""
    client = Client(url, make_token(secret, "demo-loader", "*", ["admin"], ttl=600))

    def below(orgs, kind):
        found = []
        for org in orgs:
            children = client.run("query($id: ID!) { organization(id: $id) { children { "
                                  "id name kind } } }", {"id": org["id"]})
            found += [c for c in children["organization"]["children"] if c["kind"] == kind]
        return found

    cities = [o for o in client.run("{ organizations { id kind } }")["organizations"]
              if o["kind"] == "CITY"]
    bureaus = below(cities[:1], "BUREAU")
    if not bureaus:
        return []
    bureau = bureaus[0]
    branches = below(below([bureau], "COMMITTEE"), "BRANCH")
    users = [("市委组织部（全市，管理员）", make_token(secret, "city-office", "*", ["admin"], ttl)),
             ("局机关党委办公室（本局，书记）",
              make_token(secret, "bureau-office", bureau["id"], ["secretary"], ttl)),
             ("局领导（本局，只读）", make_token(secret, "bureau-viewer", bureau["id"], ["viewer"],
                                            ttl))]
    for branch in branches:
        users.append((f"{branch['name']}书记", make_token(
            secret, f"secretary-{branch['id']}", branch["id"], ["secretary"], ttl)))
    return users


def load(client, today=None):
    today = today or clock.today()
    city = client.create_org("淄博市", "CITY")
    bureau = client.create_org("淄博市科学技术局", "BUREAU", city["id"])
    committee = client.create_org("中共淄博市科学技术局委员会", "COMMITTEE", bureau["id"])
    first = client.create_org("机关第一党支部", "BRANCH", committee["id"])
    second = client.create_org("局属事业单位党支部", "BRANCH", committee["id"])
    group_a = client.create_org("第一党小组", "GROUP", first["id"])
    client.create_org("第二党小组", "GROUP", first["id"])
    members = [
        client.register_member("王建国", first["id"], ["secretary"], groupId=group_a["id"]),
        client.register_member("李红", first["id"], ["branch_committee"], groupId=group_a["id"]),
        client.register_member("张伟", first["id"]),
        client.register_member("刘洋", first["id"]),
        client.register_member("陈静", second["id"], ["secretary"]),
        client.register_member("赵磊", second["id"]),
    ]
    leader = client.register_member("孙志强", first["id"], ["bureau_secretary", "bureau_committee"])
    day = today.replace(day=1)
    client.record_activity(first["id"], "ACTIVITY_DAY", "学习党章 对照检查", day.isoformat(), [
        {"memberId": members[0]["id"], "status": "PRESENT"},
        {"memberId": members[1]["id"], "status": "PRESENT"},
        {"memberId": members[2]["id"], "status": "EXCUSED", "reason": "出差"},
        {"memberId": members[3]["id"], "status": "ABSENT"},
    ])
    study(client, first["id"], members[2]["id"], today)
    lecture(client, leader["id"], second["id"], [members[4]["id"], members[5]["id"]], today)
    practice(client, first["id"], [m["id"] for m in members[:4]], today)
    evaluation(client, second["id"], [m["id"] for m in members], today)
    pioneers(client, committee["id"], first["id"], second["id"],
             [m["id"] for m in members], today)
    return (f"city {city['id']}, bureau {bureau['id']}, branches {first['id']} and "
            f"{second['id']}")


FILE_PLAN = """mutation($i: AnnualPlanInput!) { fileAnnualPlan(input: $i) { id } }"""
FILE_SELF_STUDY_PLAN = """mutation($i: SelfStudyPlanInput!) {
    fileSelfStudyPlan(input: $i) { filedOn } }"""
LOG_SELF_STUDY = """mutation($i: SelfStudyEntryInput!) { logSelfStudy(input: $i) { id } }"""
STUDY_THEMES = ("学习党章党规", "学习系列讲话", "做合格党员", "革命传统教育", "廉政警示教育",
                "七一主题党日", "科技创新与党建", "学习贯彻全会精神", "志愿服务回顾",
                "组织生活会准备", "民主评议党员", "年度学习总结")


def _until_study_knows(client, query, variables, tries=50):
    """The study service learns of the tree by events: a first write may
    come before them (UNAVAILABLE), and is tried again shortly."""
    for attempt in range(tries):
        try:
            return client.run(query, variables)
        except GraphQLFailed as exc:
            if exc.codes != ["UNAVAILABLE"] or attempt == tries - 1:
                raise
            time.sleep(0.2)


def study(client, branch_id, member_id, today):
    """The branch's plans for this year (filed today: on time when that is
    before Jan 31) and a member's self-study plan with a few log entries."""
    year = today.year
    items = [{"month": m, "kind": "ACTIVITY_DAY", "theme": theme}
             for m, theme in enumerate(STUDY_THEMES, start=1)]
    items.append({"month": 7, "kind": "PARTY_LECTURE", "theme": "书记讲党课"})
    _until_study_knows(client, FILE_PLAN, {"i": {"orgId": branch_id, "year": year,
                                                 "kind": "STUDY", "items": items}})
    meetings = [{"month": m, "kind": "COMMITTEE_MEETING", "theme": f"{m}月支委会"}
                for m in range(1, 13)]
    meetings += [{"month": m, "kind": "GENERAL_MEETING", "theme": f"第{q}季度党员大会"}
                 for q, m in enumerate((1, 4, 7, 10), start=1)]
    meetings.append({"month": 7, "kind": "PARTY_LECTURE", "theme": "书记讲党课"})
    client.run(FILE_PLAN, {"i": {"orgId": branch_id, "year": year, "kind": "MEETINGS",
                                 "items": meetings}})
    _until_study_knows(client, FILE_SELF_STUDY_PLAN, {"i": {
        "memberId": member_id, "year": year, "goals": "学懂弄通党章党规和系列讲话",
        "content": "《中国共产党章程》《准则》《条例》，每月一篇系列讲话",
        "schedule": "每周二、四晚各一小时；每季度一次现场教学",
        "safeguards": "党小组每月检查学习笔记，支部季度通报"}})
    for days_ago, kind, title, minutes, evidence in (
            (0, "READING", "通读《中国共产党章程》", 60, "学习笔记第1-6页"),
            (1, "MICRO_LECTURE", "微党课：做合格党员", 25, None),
            (2, "VIDEO", "观看专题片《将改革进行到底》", 45, None)):
        on = max(today - dt.timedelta(days=days_ago), today.replace(month=1, day=1))
        client.run(LOG_SELF_STUDY, {"i": {"memberId": member_id, "on": on.isoformat(),
                                          "kind": kind, "title": title, "minutes": minutes,
                                          "evidence": evidence}})


CONTACT = """mutation($m: ID!, $b: ID!) { assignContactBranch(memberId: $m, branchId: $b) {
    id } }"""


def lecture(client, leader_id, branch_id, attendees, day):
    """The bureau secretary contacts the second branch (联系点) from today and
    gives it a party lecture today (S5-SEC, S5-COM: a contact counts from the
    day it is assigned)."""
    client.run(CONTACT, {"m": leader_id, "b": branch_id})
    client.record_activity(branch_id, "PARTY_LECTURE", "书记讲党课：守初心 担使命",
                           day.isoformat(),
                           [{"memberId": m, "status": "PRESENT"} for m in attendees],
                           speakerId=leader_id)


PRACTICE = {
    "talk": """mutation($i: TalkInput!) { recordTalk(input: $i) { id } }""",
    "meeting": """mutation($i: ActivityInput!) { recordActivity(input: $i) { id } }""",
    "minutes": """mutation($a: ID!, $i: MinutesInput!) { recordMinutes(activityId: $a,
        input: $i) { id } }""",
    "household": """mutation($i: HouseholdInput!) { registerHousehold(input: $i) { id } }""",
    "visit": """mutation($h: ID!, $on: Date!, $n: String!) { logHouseholdVisit(
        householdId: $h, on: $on, note: $n) { id } }""",
    "pledge": """mutation($i: PledgeInput!) { makePledge(input: $i) { id } }""",
    "wish": """mutation($i: WishInput!) { postWish(input: $i) { id } }""",
    "claim": """mutation($w: ID!, $m: ID!) { claimWish(id: $w, memberId: $m) { id } }""",
    "fulfil": """mutation($w: ID!, $on: Date!) { fulfilWish(id: $w, on: $on) { id } }""",
}


def practice(client, branch_id, people, today):
    """Members' practice in the first branch: the secretary's talks, a
    committee meeting whose minutes end with the secretary, three households
    with a visit, a pledge, and a wish claimed and fulfilled."""
    secretary, committee_member, zhang, liu = people
    on = today.isoformat()
    for other, kind in ((committee_member, "INDIVIDUAL"), (zhang, "INITIATED")):
        client.run(PRACTICE["talk"], {"i": {"orgId": branch_id, "kind": kind, "heldOn": on,
                                            "participantIds": [secretary, other]}})
    meeting = client.run(PRACTICE["meeting"], {"i": {
        "orgId": branch_id, "kind": "COMMITTEE_MEETING", "theme": "研究发展党员工作",
        "heldOn": on, "attendance": [{"memberId": m, "status": "PRESENT"}
                                     for m in (secretary, committee_member)]}})
    client.run(PRACTICE["minutes"], {"a": meeting["recordActivity"]["id"], "i": {
        "topic": "确定入党积极分子", "speakerIds": [committee_member, secretary],
        "decisions": ["同意确定两名同志为入党积极分子"]}})
    households = [client.run(PRACTICE["household"], {"i": {
        "memberId": zhang, "name": name, "address": address, "inDifficulty": poor}})[
        "registerHousehold"]["id"] for name, address, poor in (
            ("李大爷家", "新村路12号", True), ("王阿姨家", "新村路15号", False),
            ("赵师傅家", "新村路21号", False))]
    client.run(PRACTICE["visit"], {"h": households[0], "on": on, "n": "送去米面油，了解近况"})
    client.run(PRACTICE["pledge"], {"i": {
        "memberId": zhang, "year": today.year, "area": "SERVICE",
        "content": "帮助联系户解决一件实际困难", "due": dt.date(today.year, 12, 31).isoformat()}})
    wish = client.run(PRACTICE["wish"], {"i": {
        "branchId": branch_id, "kind": "MICRO_WISH", "title": "为孩子买一套课外书",
        "requester": "社区陈女士"}})["postWish"]["id"]
    client.run(PRACTICE["claim"], {"w": wish, "m": liu})
    client.run(PRACTICE["fulfil"], {"w": wish, "on": on})


EVALUATION = {
    "dues": """mutation($m: ID!, $month: String!, $a: Float!) {
        recordDues(memberId: $m, month: $month, amount: $a) { id } }""",
    "adjust": """mutation($i: AdjustmentInput!) { adjustPoints(input: $i) { id } }""",
    "indicators": """query($m: ID!, $y: Int!) { checkupIndicators(memberId: $m, year: $y) {
        key negative } }""",
    "checkup": """mutation($i: CheckupInput!) { recordCheckup(input: $i) { total } }""",
    "open": """mutation($b: ID!, $y: Int!) { openAppraisal(branchId: $b, year: $y) { id } }""",
    "score": """mutation($i: AppraisalScoreInput!) { scoreAppraisal(input: $i) { id } }""",
}


def evaluation(client, branch_id, people, today):
    """This month's dues of the first branch's members, a commendation of a
    member (a manual adjustment), two check-ups, and the second branch's
    appraisal of the year opened with a few scores (finalizing is left to
    whoever tries the demo)."""
    secretary, committee_member, zhang, liu, chen, zhao = people
    month = today.strftime("%Y-%m")
    for member in (secretary, committee_member, zhang):
        client.run(EVALUATION["dues"], {"m": member, "month": month, "a": 50})
    client.run(EVALUATION["adjust"], {"i": {
        "memberId": liu, "points": 3, "category": "contribution",
        "reason": "社区疫情防控志愿服务表现突出，支部委员会研究给予加分", "on": today.isoformat()}})
    for member, positive, negative in ((secretary, 92, 0), (zhang, 80, 10)):
        indicators = client.run(EVALUATION["indicators"], {"m": member, "y": today.year})[
            "checkupIndicators"]
        client.run(EVALUATION["checkup"], {"i": {"memberId": member, "year": today.year, "scores": [
            {"indicator": i["key"], "score": negative if i["negative"] else positive}
            for i in indicators]}})
    appraisal = client.run(EVALUATION["open"], {"b": branch_id, "y": today.year})[
        "openAppraisal"]["id"]
    for member, part, score, rater in ((chen, "SELF", 92, chen), (chen, "PEER", 90, zhao),
                                       (zhao, "PEER", 85, chen), (zhao, "PUBLIC", 88, None)):
        client.run(EVALUATION["score"], {"i": {
            "appraisalId": appraisal, "memberId": member, "part": part, "score": score,
            **({"raterId": rater} if rater else {})}})


PIONEER = {
    "nominate": """mutation($c: PioneerCategory!, $n: String!, $o: ID!, $h: ID, $t: String!,
        $y: Int!) { nominatePioneer(category: $c, name: $n, orgId: $o, holderId: $h,
        citation: $t, year: $y) { id } }""",
    "select": """mutation($p: ID!) { decidePioneer(id: $p, selected: true) { id } }""",
    "open": """mutation($c: ID!, $y: Int!) { openPioneerReview(committeeId: $c, year: $y) {
        id } }""",
    "rate": """mutation($r: ID!, $p: ID!, $k: RaterKind!, $g: PioneerRating!) {
        ratePioneer(reviewId: $r, pioneerId: $p, raterKind: $k, rating: $g) { id } }""",
    "close": """mutation($r: ID!) { closePioneerReview(id: $r) { id } }""",
    "pair": """mutation($m: ID!, $e: ID!) { pairMentor(mentorId: $m, menteeId: $e) {
        since } }""",
}
# this year's review: (rater kind, rating, how many) of each pioneer
WELL_RATED = (("MEMBER", "GOOD", 5), ("PUBLIC", "FAIRLY_GOOD", 3), ("PUBLIC", "AVERAGE", 2))
POORLY_RATED = (("MEMBER", "GOOD", 3), ("PUBLIC", "FAIRLY_GOOD", 3), ("MEMBER", "AVERAGE", 2),
                ("PUBLIC", "POOR", 2))


def pioneers(client, committee_id, first_id, second_id, people, today):
    """The branch secretary 王建国, selected this year, well rated in the
    committee's review and mentoring 刘洋; the second branch as a unit
    (headed by its secretary 陈静), rated 40 % AVERAGE or worse: rectifying,
    with a deadline 90 days after today's close."""
    secretary, _, _, liu, chen, _ = people
    chosen = []
    for category, name, org, holder, citation in (
            ("INDIVIDUAL", "王建国", first_id, secretary,
             "扎根机关党务工作二十年，带领支部创建“过硬党支部”"),
            ("UNIT", "局属事业单位党支部", second_id, chen,
             "围绕科技成果转化开展“党建+服务”，帮助企业解决难题")):
        nominee = client.run(PIONEER["nominate"], {"c": category, "n": name, "o": org,
                                                   "h": holder, "t": citation,
                                                   "y": today.year})["nominatePioneer"]
        chosen.append(client.run(PIONEER["select"], {"p": nominee["id"]})["decidePioneer"])
    client.run(PIONEER["pair"], {"m": secretary, "e": liu})
    review = client.run(PIONEER["open"], {"c": committee_id, "y": today.year}
                        )["openPioneerReview"]["id"]
    for pioneer, ratings in zip(chosen, (WELL_RATED, POORLY_RATED)):
        for kind, rating, times in ratings:
            for _ in range(times):
                client.run(PIONEER["rate"], {"r": review, "p": pioneer["id"], "k": kind,
                                             "g": rating})
    client.run(PIONEER["close"], {"r": review})
