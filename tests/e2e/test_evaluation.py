"""Evaluation through the front door: branch ratings (星级评定, 晋位升级), and a
branch's year of dual records, dues, adjustments, appraisal and check-ups, with the
platform's day pinned (XF_TODAY) and moved on across a restart, every number
worked out here by hand from the contract's formula:

- on 2025-12-20 branches A and B are founded; in December A holds two
  activity days, a committee, a group and a general meeting, a party lecture
  and an organisational life meeting; B holds nothing;
- the platform starts again on 2026-01-20 and closes 2025 by itself: each
  branch has 12 results of 2025 (December: A1, A2-CM, A2-GR; Q4: A2-GM; the
  year: A2-PL, A4, A6, A6-SEC, A7-OL, S1, A2-PLAN, U3): A met 6, B none; every
  one missed is an item of the branch, and so are its members' missed
  yearly quotas (A5, A8, P5, S4): supervision 0 for both;
- branch C is founded; in January A holds all its monthly quotas, B only its
  activity days (a member absent from one), C nothing; the admin closes
  January early.

branchRatings(committee, 2026): A, B, C best first, A two stars up on 2025,
C with no year before; branchRatings(committee, 2025): A and B only.

Then, on 2026-01-20, a second committee's branch D has its January: activities
(a leading cadre takes part in the organisational life of the branch in their
charge as a guest), dues (a second month is CONFLICT), a manual adjustment, a
democratic appraisal scored by the members' own tokens and the secretary and
finalized (the 30 % cap at work; rating oneself as PEER refused; a score after
finalizing CONFLICT; the bureau sees the results), three check-ups, one per
post type; dual records, dimensions, grades, health and stars as computed by
hand."""
import pytest

from tests.e2e.conftest import _platform, admin, eventually, refused, restart_on, token

FIRST_DAY, LATER_DAY = "2025-12-20", "2026-01-20"
# the branches' 2025 items: their own results missed, and their members' (A5,
# A8, P5, S4: a member's missed quota is the branch's to follow up, once per rule)
EXPECT_A = ["A2-PLAN", "A4", "A5", "A6", "A6-SEC", "A8", "P5", "S1", "S4", "U3"]
EXPECT_B = sorted(EXPECT_A + ["A1", "A2-CM", "A2-GR", "A2-GM", "A2-PL", "A7-OL"])
RATINGS = """query($o: ID!, $y: Int!) { branchRatings(orgId: $o, year: $y) {
    branch { id name } year score stars change compliance points supervision } }"""
COMPLIANCE = """query($o: ID!, $p: String!) { compliance(orgId: $o, period: $p) {
    results { rule subjectId actual status } } }"""
ITEMS = """query($o: ID!) { supervisionItems(orgId: $o) { org { id } rule period state } }"""
POINTS = """query($m: ID!, $y: Int!) { member(id: $m) { points(year: $y) { total } } }"""


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    yield from _platform("sqlite", tmp_path_factory, extra_env={"XF_TODAY": FIRST_DAY})


def held(client, org, kind, day, present=(), absent=()):
    client.record_activity(org, kind, f"{kind} {day}", day,
                           [{"memberId": m, "status": "PRESENT"} for m in present]
                           + [{"memberId": m, "status": "ABSENT"} for m in absent])


def actual(client, org, period, rule):
    rows = client.run(COMPLIANCE, {"o": org, "p": period})["compliance"]["results"]
    return next((r["actual"] for r in rows if r["rule"] == rule and r["subjectId"] == org), 0)


def total(client, member, year):
    return client.run(POINTS, {"m": member, "y": year})["member"]["points"]["total"]


def items_of(client, org, year):
    return sorted(i["rule"] for i in client.run(ITEMS, {"o": org})["supervisionItems"]
                  if i["org"]["id"] == org and i["period"].startswith(str(year)))


def ratings(client, org, year):
    return client.run(RATINGS, {"o": org, "y": year})["branchRatings"]


def by_hand(compliance, points, supervision):
    score = 0.5 * compliance + 0.3 * points + 0.2 * supervision
    stars = next((s for s, edge in ((5, 90), (4, 80), (3, 70), (2, 60)) if score >= edge), 1)
    return score, stars


def shown(rating):
    return (rating["compliance"], rating["points"], rating["supervision"], rating["score"],
            rating["stars"], rating["change"])


def test_branch_ratings_of_a_committee_best_first_with_the_change_from_the_year_before(
        platform):
    client = admin(platform)
    top = client.create_org("评星市", "CITY")["id"]
    bureau = client.create_org("评星局", "BUREAU", top)["id"]
    committee = client.create_org("评星局党委", "COMMITTEE", bureau)["id"]
    a = client.create_org("评星甲支部", "BRANCH", committee)["id"]
    b = client.create_org("评星乙支部", "BRANCH", committee)["id"]
    a1, a2 = (client.register_member(n, a)["id"] for n in ("甲一", "甲二"))
    b1 = client.register_member("乙一", b)["id"]

    # December 2025: A meets every monthly and quarterly quota, the lecture and
    # the organisational life meeting of the year, nothing else
    held(client, a, "ACTIVITY_DAY", "2025-12-06", present=[a1, a2])      # a1 +2, a2 +2
    held(client, a, "ACTIVITY_DAY", "2025-12-13", present=[a1])          # a1 +2
    held(client, a, "COMMITTEE_MEETING", "2025-12-08", present=[a1])     # a1 +1
    held(client, a, "GROUP_MEETING", "2025-12-09", present=[a1])         # a1 +1
    held(client, a, "GENERAL_MEETING", "2025-12-10", present=[a1, a2])   # a1 +1, a2 +1
    held(client, a, "PARTY_LECTURE", "2025-12-11", present=[a1])         # a1 +2
    held(client, a, "ORG_LIFE_MEETING", "2025-12-12", present=[a1, a2])  # no points
    eventually(lambda: _assert((actual(client, a, "2025-12", "A1"),
                                actual(client, a, "2025", "A7-OL"),
                                total(client, a1, 2025), total(client, a2, 2025)) == (2, 1, 9, 3)),
               what="December counted and its points posted")

    restart_on(platform, LATER_DAY)
    client = admin(platform)
    eventually(lambda: _equal(
        (items_of(client, a, 2025), items_of(client, b, 2025)), (EXPECT_A, EXPECT_B)),
        timeout=60, what="2025 closed by the closing round")

    c = client.create_org("评星丙支部", "BRANCH", committee)["id"]
    b2 = client.register_member("乙二", b)["id"]
    client.register_member("丙一", c)
    held(client, a, "ACTIVITY_DAY", "2026-01-03", present=[a1, a2])      # a1 +2, a2 +2
    held(client, a, "ACTIVITY_DAY", "2026-01-10", present=[a1])          # a1 +2
    held(client, a, "COMMITTEE_MEETING", "2026-01-05", present=[a1])     # a1 +1
    held(client, a, "GROUP_MEETING", "2026-01-06", present=[a1])         # a1 +1
    held(client, b, "ACTIVITY_DAY", "2026-01-03", present=[b1], absent=[b2])  # b1 +2, b2 −3
    held(client, b, "ACTIVITY_DAY", "2026-01-10", present=[b1])          # b1 +2
    eventually(lambda: _assert((actual(client, a, "2026-01", "A2-GR"),
                                actual(client, b, "2026-01", "A1"),
                                total(client, a1, 2026), total(client, a2, 2026),
                                total(client, b1, 2026), total(client, b2, 2026))
                               == (1, 2, 6, 2, 4, -3)),
               what="January counted and its points posted")
    client.run("""mutation($o: ID!, $p: String!) { closePeriod(orgId: $o, period: $p) {
        orgId } }""", {"o": committee, "p": "2026-01"})
    assert items_of(client, b, 2026) == ["A2-CM", "A2-GR"]
    assert items_of(client, c, 2026) == ["A1", "A2-CM", "A2-GR"]

    # 2025: A met 6 of 12 with 10 items, points (9 + 3) / 2; B met none, 16 items
    a_2025, a_2025_stars = by_hand(100 * 6 / 12, 6, 0)
    assert a_2025 == pytest.approx(26.8, abs=1e-6) and a_2025_stars == 1
    last_year = ratings(client, committee, 2025)
    assert [r["branch"]["id"] for r in last_year] == [a, b]    # C did not exist
    assert shown(last_year[0]) == (pytest.approx(600 / 12), 6, 0, pytest.approx(a_2025),
                                   1, 0)
    assert shown(last_year[1]) == (0, 0, 0, 0, 1, 0)

    # 2026: A met its 3 with (6 + 2) / 2 points, no item: 50 + 1.2 + 20 = 71.2;
    # B met 1 of 3, (4 − 3) / 2 points, 2 items: 16.67 + 0.15 + 10;
    # C met none of 3, no points, 3 items: 0 + 0 + 5
    a_score, a_stars = by_hand(100, 4, 100)
    b_score, b_stars = by_hand(100 / 3, 0.5, 50)
    c_score, c_stars = by_hand(0, 0, 25)
    assert (a_stars, b_stars, c_stars) == (3, 1, 1)
    this_year = ratings(client, committee, 2026)
    assert [(r["branch"]["name"], r["year"]) for r in this_year] == [
        ("评星甲支部", 2026), ("评星乙支部", 2026), ("评星丙支部", 2026)]
    assert shown(this_year[0]) == (100, 4, 100, pytest.approx(a_score), 3, 3 - a_2025_stars)
    assert this_year[0]["change"] == 2                         # 晋位: one star to three
    assert shown(this_year[1]) == (pytest.approx(100 / 3), 0.5, 50, pytest.approx(b_score),
                                   1, 0)
    assert shown(this_year[2]) == (0, 0, 25, pytest.approx(c_score), 1, 0)  # none before

    # one branch alone; a branch's secretary sees their own branch only
    assert ratings(client, a, 2026) == this_year[:1]
    secretary = token(a, ("secretary",), sub="评星甲书记")
    assert client.run(RATINGS, {"o": a, "y": 2026}, token=secretary)["branchRatings"] == \
        this_year[:1]
    assert refused(client, RATINGS, {"o": committee, "y": 2026}, secretary) == ["FORBIDDEN"]
    assert refused(client, RATINGS, {"o": committee, "y": 12}) == ["BAD_INPUT"]


def _assert(condition):
    assert condition, "not yet"
    return condition


def _equal(got, expected):
    assert got == expected, f"{got} (expected {expected})"
    return got


# -- a branch's year of evaluation, all of it through the front door ---------------------

ADJUST = """mutation($i: AdjustmentInput!) { adjustPoints(input: $i) {
    rule points category dimension adjustedBy sourceEvent reason } }"""
DUES = """mutation($m: ID!, $month: String!, $a: Float!) {
    recordDues(memberId: $m, month: $month, amount: $a) { rule points dimension } }"""
DUAL = """query($m: ID!, $y: Int!) { dualRecord(memberId: $m, year: $y) { member { id } year
    cadre activityDays orgLifeMeetings dualOrgLife democraticLifeMeetings grassrootsVisits
    duesMonthsPaid volunteerServices } }"""
FOUR = """query($m: ID!, $y: Int!) { fourQualified(memberId: $m, year: $y) {
    dimension score } }"""
APPRAISAL_FIELDS = """id state results { member { id } score grade needsReview
    parts { part score raters } }"""
OPEN = "mutation($b: ID!, $y: Int!) { openAppraisal(branchId: $b, year: $y) { %s } }" \
    % APPRAISAL_FIELDS
SCORE = "mutation($i: AppraisalScoreInput!) { scoreAppraisal(input: $i) { id } }"
FINALIZE = "mutation($id: ID!) { finalizeAppraisal(id: $id) { %s } }" % APPRAISAL_FIELDS
APPRAISAL = "query($b: ID!, $y: Int!) { appraisal(branchId: $b, year: $y) { %s } }" \
    % APPRAISAL_FIELDS
INDICATORS = """query($m: ID!, $y: Int!) { checkupIndicators(memberId: $m, year: $y) {
    key dimension weight negative } }"""
CHECKUP = """mutation($i: CheckupInput!) { recordCheckup(input: $i) { postType total health
    byDimension { dimension score } } }"""


def checkup_of(client, member, year, positive, negative, token_=None):
    """Score every indicator of the member's post type: the positive ones
    ``positive`` (or ``positive[key]``), the negative ones ``negative[key]``."""
    indicators = client.run(INDICATORS, {"m": member, "y": year})["checkupIndicators"]
    scores = [{"indicator": i["key"],
               "score": negative[i["key"]] if i["negative"] else
               (positive.get(i["key"], positive["*"]))} for i in indicators]
    return client.run(CHECKUP, {"i": {"memberId": member, "year": year, "scores": scores}},
                      token=token_)["recordCheckup"]


def test_a_branchs_year_gives_its_dual_records_grades_health_and_stars(platform):
    """After the restart (2026-01-20): branch D's January, with dues, a manual
    adjustment, an appraisal scored and finalized and three check-ups; every
    answer below was worked out by hand from the shipped rule sets."""
    client = admin(platform)
    top = client.create_org("考评市", "CITY")["id"]
    bureau = client.create_org("考评局", "BUREAU", top)["id"]
    committee = client.create_org("考评局党委", "COMMITTEE", bureau)["id"]
    d = client.create_org("考评丁支部", "BRANCH", committee)["id"]
    e = client.create_org("考评戊支部", "BRANCH", committee)["id"]
    d1 = client.register_member("丁一", d, ["secretary"])["id"]
    d2 = client.register_member("丁二", d)["id"]
    d3 = client.register_member("丁三", d, ["bureau_committee"])["id"]  # a leading cadre
    e1 = client.register_member("戊一", e)["id"]
    client.run("""mutation($m: ID!, $b: ID!) { assignContactBranch(memberId: $m, branchId: $b) {
        id } }""", {"m": d3, "b": e})                              # 联系点 from today
    secretary = token(d, ("secretary",), sub="丁支部书记")

    held(client, d, "ACTIVITY_DAY", "2026-01-03", present=[d1, d2, d3])  # +2 each
    held(client, d, "ACTIVITY_DAY", "2026-01-10", present=[d1, d2], absent=[d3])  # d3 −3
    held(client, d, "COMMITTEE_MEETING", "2026-01-05", present=[d1])    # d1 +1
    held(client, d, "GROUP_MEETING", "2026-01-06", present=[d1, d2])    # +1 each
    held(client, d, "VOLUNTEER_SERVICE", "2026-01-07", present=[d2])    # d2 +3
    # the cadre takes part in the organisational life of the branch in their
    # charge (双重组织生活), as a guest: no points, a dual record
    client.record_activity(e, "ORG_LIFE_MEETING", "组织生活会", LATER_DAY,
                           [{"memberId": e1, "status": "PRESENT"}], guestIds=[d3])
    for member in (d1, d2):                                              # +1 each
        assert client.run(DUES, {"m": member, "month": "2026-01", "a": 50}, token=secretary)[
            "recordDues"] == {"rule": "dues-paid", "points": 1, "dimension": "DISCIPLINE"}
    assert refused(client, DUES, {"m": d1, "month": "2026-01", "a": 50}, secretary) \
        == ["CONFLICT"]
    assert client.run(ADJUST, {"i": {"memberId": d2, "points": 5, "category": "contribution",
                                     "reason": "抢险救灾表现突出", "on": "2026-01-15"}},
                      token=secretary)["adjustPoints"] == {
        "rule": "manual-adjustment", "points": 5, "category": "contribution",
        "dimension": "CONTRIBUTION", "adjustedBy": "丁支部书记", "sourceEvent": None,
        "reason": "抢险救灾表现突出"}
    # d1: 2 + 2 + 1 + 1 + 1 = 7; d2: 2 + 2 + 1 + 3 + 1 + 5 = 14; d3: 2 − 3 = −1
    eventually(lambda: _equal([total(client, m, 2026) for m in (d1, d2, d3)], [7, 14, -1]),
               what="January's points")

    def dual(member):
        found = client.run(DUAL, {"m": member, "y": 2026})["dualRecord"]
        return {k: v for k, v in found.items() if k not in ("member", "year")}
    zero = dict.fromkeys(("dualOrgLife", "democraticLifeMeetings", "grassrootsVisits",
                          "volunteerServices"), 0)
    assert dual(d1) == {**zero, "cadre": False, "activityDays": 2, "orgLifeMeetings": 2,
                        "duesMonthsPaid": 1}
    assert dual(d2) == {**zero, "cadre": False, "activityDays": 2, "orgLifeMeetings": 1,
                        "duesMonthsPaid": 1, "volunteerServices": 1}
    eventually(lambda: _equal(dual(d3), {**zero, "cadre": True, "activityDays": 1,
                                         "orgLifeMeetings": 0, "duesMonthsPaid": 0,
                                         "dualOrgLife": 1, "grassrootsVisits": 1}),
               what="the cadre's dual organisational life counted")
    # d2 by dimension: activity days 4, group 1, dues 1 (DISCIPLINE); the
    # volunteer service (CONDUCT); the adjustment (CONTRIBUTION)
    assert client.run(FOUR, {"m": d2, "y": 2026})["fourQualified"] == [
        {"dimension": "POLITICAL", "score": 0}, {"dimension": "DISCIPLINE", "score": 6},
        {"dimension": "CONDUCT", "score": 3}, {"dimension": "CONTRIBUTION", "score": 5}]

    # the democratic appraisal (民主评议党员) of D for 2026
    appraisal = client.run(OPEN, {"b": d, "y": 2026}, token=secretary)["openAppraisal"]
    own = {m: token(d, ("member",), sub=m) for m in (d1, d2, d3)}

    def score(member, part, value, rater=None, as_=None):
        data = {"appraisalId": appraisal["id"], "memberId": member, "part": part,
                "score": value, **({"raterId": rater} if rater else {})}
        return client.run(SCORE, {"i": data}, token=own[as_] if as_ else secretary)
    score(d1, "SELF", 95, d1, as_=d1)
    score(d1, "PEER", 92, d2, as_=d2)
    score(d1, "PUBLIC", 90)
    score(d1, "ORG", 96)
    score(d2, "PEER", 94, d1, as_=d1)   # no SELF; ORG from 14 points
    score(d2, "PUBLIC", 90)
    score(d3, "SELF", 100, d3, as_=d3)
    score(d3, "PEER", 100, d1, as_=d1)
    score(d3, "PUBLIC", 95)
    score(d3, "ORG", 90)
    assert refused(client, SCORE, {"i": {"appraisalId": appraisal["id"], "memberId": d2,
                                         "part": "PEER", "raterId": d2, "score": 100}},
                   own[d2]) == ["BAD_INPUT"]                     # nobody rates themselves
    finalized = client.run(FINALIZE, {"id": appraisal["id"]}, token=secretary)[
        "finalizeAppraisal"]
    # d1: 0.2·95 + 0.4·92 + 0.2·90 + 0.2·96 = 93; d3: 20 + 40 + 19 + 18 = 97;
    # d2: (40·94 + 20·90 + 20·14) / 80 = 73. A branch of 3 has one EXCELLENT
    # place (30 % rounded down, at least 1): d3's; d1 is QUALIFIED.
    assert finalized["state"] == "FINALIZED"
    assert [(r["member"]["id"], r["score"], r["grade"], r["needsReview"])
            for r in finalized["results"]] == [
        (d3, 97, "EXCELLENT", False), (d1, 93, "QUALIFIED", False),
        (d2, 73, "BASICALLY_QUALIFIED", False)]
    assert {p["part"]: (p["score"], p["raters"]) for p in finalized["results"][2]["parts"]
            if p["part"] != "ORG"} == {"PEER": (94, 1), "PUBLIC": (90, 1)}
    assert refused(client, SCORE, {"i": {"appraisalId": appraisal["id"], "memberId": d2,
                                         "part": "PUBLIC", "score": 99}}, secretary) \
        == ["CONFLICT"]
    bureau_admin = token(bureau, ("admin",), sub="考评局")
    assert client.run(APPRAISAL, {"b": d, "y": 2026}, token=bureau_admin)["appraisal"] \
        == finalized                                               # 报局党委备案

    # the party-spirit check-ups (党性教育体检), by post type
    up = checkup_of(client, d1, 2026, {"*": 90}, {"org-life-neglected": 0,
                                                  "problems-unrectified": 0}, secretary)
    assert (up["postType"], up["total"], up["health"]) == ("branch_secretary", 90, "HEALTHY")
    up = checkup_of(client, d2, 2026, {"*": 80, "post-performance": 100},
                    {"discipline-violations": 20, "public-complaints": 0}, secretary)
    # (20·80 + 15·80 + 15·80 + 10·80 + 15·80 + 25·100 − 10·20) / 100 = 83
    assert (up["postType"], up["total"], up["health"]) == ("member", 83, "SUB_HEALTHY")
    assert {s["dimension"]: s["score"] for s in up["byDimension"]} == {
        "POLITICAL": 80, "DISCIPLINE": 72, "CONDUCT": 80, "CONTRIBUTION": 100}
    up = checkup_of(client, d3, 2026, {"*": 60}, {"privilege-seeking": 40,
                                                  "accountability-cases": 0}, secretary)
    assert (up["postType"], up["total"], up["health"]) == ("leading_cadre", 56, "UNHEALTHY")

    # stars, with January closed: D met A1, A2-CM and A2-GR (100), its members
    # average (7 + 14 − 1) / 3 points, no item: 50 + 2 + 20 = 72, three stars;
    # E met none of 3, no points, 3 items: 0 + 0 + 0.2 · 25 = 5, one star
    client.run("""mutation($o: ID!, $p: String!) { closePeriod(orgId: $o, period: $p) {
        orgId } }""", {"o": committee, "p": "2026-01"})
    d_score, d_stars = by_hand(100, 20 / 3, 100)
    assert (d_score, d_stars) == (pytest.approx(72), 3)
    assert [(r["branch"]["id"],) + shown(r) for r in ratings(client, committee, 2026)] == [
        (d, 100, pytest.approx(20 / 3), 100, pytest.approx(d_score), 3, 0),
        (e, 0, 0, 25, pytest.approx(5), 1, 0)]
