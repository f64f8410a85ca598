"""Branch ratings (星级评定, 晋位升级) through the front door, with the
platform's day pinned (XF_TODAY) and moved on across a restart, every number
worked out here by hand from the contract's formula:

- on 2025-12-20 branches A and B are founded; in December A holds two
  activity days, a committee, a group and a general meeting, a party lecture
  and an organisational life meeting; B holds nothing;
- the platform starts again on 2026-01-20 and closes 2025 by itself: each
  branch has 11 results of 2025 (December: A1, A2-CM, A2-GR; Q4: A2-GM; the
  year: A2-PL, A4, A6, A6-SEC, A7-OL, S1, A2-PLAN): A met 6, B none; every
  one missed is an item of the branch, and so are its members' missed
  yearly quotas (A5, A8, S4): supervision 0 for both;
- branch C is founded; in January A holds all its monthly quotas, B only its
  activity days (a member absent from one), C nothing; the admin closes
  January early.

branchRatings(committee, 2026): A, B, C best first, A two stars up on 2025,
C with no year before; branchRatings(committee, 2025): A and B only."""
import pytest

from tests.e2e.conftest import _platform, admin, eventually, refused, restart_on, token

FIRST_DAY, LATER_DAY = "2025-12-20", "2026-01-20"
# the branches' 2025 items: their own results missed, and their members' (A5,
# A8, S4: a member's missed quota is the branch's to follow up, once per rule)
EXPECT_A = ["A2-PLAN", "A4", "A5", "A6", "A6-SEC", "A8", "S1", "S4"]
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

    # 2025: A met 6 of 11 with 8 items, points (9 + 3) / 2; B met none, 14 items
    a_2025, a_2025_stars = by_hand(100 * 6 / 11, 6, 0)
    assert a_2025 == pytest.approx(29.072727, abs=1e-6) and a_2025_stars == 1
    last_year = ratings(client, committee, 2025)
    assert [r["branch"]["id"] for r in last_year] == [a, b]    # C did not exist
    assert shown(last_year[0]) == (pytest.approx(600 / 11), 6, 0, pytest.approx(a_2025),
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
