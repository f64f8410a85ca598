"""The pioneer programme (时代先锋) through the front door, with the
platform's day pinned (XF_TODAY) and moved past a rectification deadline
across a restart, everything written by the bureau's secretary:

- on 2026-03-10 an individual (甲, a member of branch A) and a post (branch
  B's vanguard post, headed by 乙 of B) are nominated and selected; both
  holders enter the talent pool, and 甲 mentors 丙 of branch A;
- the committee's review of 2026: each pioneer gets 10 ratings from members
  and public representatives, 4 of them AVERAGE or POOR (40 % > 30 %);
  closing it turns both RECTIFYING with rectifyBy = 2026-03-10 + 90 days =
  2026-06-08;
- the same day the re-review rates only the post, 3 of 10 AVERAGE or worse
  (30 %, at the threshold, not above it): closing it makes the post
  SELECTED again, its deadline cleared; the individual is not rated in it
  and stays RECTIFYING;
- a secretary of bureau two can neither nominate in bureau one, nor rate in
  its review, nor read its pioneers, review, talent pool or pairs;
- the platform stops and starts again on 2026-06-09, past the deadline: the
  individual is WITHDRAWN by the platform itself, leaves the talent pool,
  its mentoring pair ends, and a supervision item with rule "V3" opens on
  the committee for 2026; the post is untouched;
- the demo bureau, loaded that day, has two pioneers, one of them rectifying."""
import datetime as dt

import pytest

from tests.e2e.conftest import (Tree, _platform, admin, eventually, refused, restart_on,
                                token)
from tools import demo

FIRST_DAY, LATER_DAY, YEAR = "2026-03-10", "2026-06-09", 2026
RECTIFY_BY = "2026-06-08"   # 2026-03-10 + 90 days: 21 of March, 30, 31, then 8 of June

PIONEER = """id name category state year rectifyBy org { id } holder { id }
    reviews { reviewId year ratings averageOrWorse share closedOn }"""
NOMINATE = """mutation($c: PioneerCategory!, $n: String!, $o: ID!, $h: ID, $t: String!,
    $y: Int!) { nominatePioneer(category: $c, name: $n, orgId: $o, holderId: $h,
    citation: $t, year: $y) { %s } }""" % PIONEER
DECIDE = "mutation($p: ID!) { decidePioneer(id: $p, selected: true) { %s } }" % PIONEER
REVIEW = """id year open committee { id } results { pioneerId ratings averageOrWorse share
    closedOn }"""
OPEN = """mutation($c: ID!, $y: Int!) { openPioneerReview(committeeId: $c, year: $y) {
    %s } }""" % REVIEW
RATE = """mutation($r: ID!, $p: ID!, $k: RaterKind!, $g: PioneerRating!) {
    ratePioneer(reviewId: $r, pioneerId: $p, raterKind: $k, rating: $g) { id } }"""
CLOSE = "mutation($r: ID!) { closePioneerReview(id: $r) { %s } }" % REVIEW
READ_REVIEW = "query($r: ID!) { pioneerReview(id: $r) { %s } }" % REVIEW
PIONEERS = "query($o: ID!) { pioneers(orgId: $o) { %s } }" % PIONEER
POOL = "query($o: ID!) { talentPool(orgId: $o) { member { id } pioneer { id } since } }"
PAIRS = "query($o: ID!) { mentoringPairs(orgId: $o) { mentor { id } mentee { id } since } }"
PAIR = """mutation($m: ID!, $e: ID!) { pairMentor(mentorId: $m, menteeId: $e) {
    mentor { id } mentee { id } since } }"""
ITEMS = "query($o: ID!) { supervisionItems(orgId: $o) { rule period state org { id } } }"

# 10 ratings, 4 of them AVERAGE or POOR; and 10 with 3 of them
FORTY_PERCENT = [("MEMBER", "GOOD")] * 3 + [("PUBLIC", "FAIRLY_GOOD")] * 3 + \
    [("MEMBER", "AVERAGE"), ("PUBLIC", "AVERAGE"), ("MEMBER", "POOR"), ("PUBLIC", "POOR")]
THIRTY_PERCENT = [("MEMBER", "GOOD")] * 4 + [("PUBLIC", "FAIRLY_GOOD")] * 3 + \
    [("PUBLIC", "AVERAGE"), ("MEMBER", "AVERAGE"), ("PUBLIC", "POOR")]


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    yield from _platform("sqlite", tmp_path_factory,
                         extra_env={"XF_TODAY": FIRST_DAY, "XF_PIONEER_INTERVAL": "1"})


@pytest.fixture(scope="module")
def city(platform):
    client = admin(platform)
    tree = Tree(client, "先锋")
    return {"client": client, "bureau": tree.bureau1, "committee": tree.committee1,
            "a": tree.branch_a, "b": tree.branch_b,
            "甲": tree.a[0], "丙": tree.a[1], "乙": tree.b[0],
            "secretary": token(scope=tree.bureau1, roles=("secretary",), sub="科技局书记"),
            "stranger": token(scope=tree.bureau2, roles=("secretary",), sub="教育局书记")}


def rate(client, review, pioneer, ratings, tok):
    """``ratings`` [(rater kind, rating)] of one pioneer, one request."""
    fields, variables = [], {"r": review, "p": pioneer}
    for i, (kind, rating) in enumerate(ratings):
        variables.update({f"k{i}": kind, f"g{i}": rating})
        fields.append(f"r{i}: ratePioneer(reviewId: $r, pioneerId: $p, raterKind: $k{i}, "
                      f"rating: $g{i}) {{ id }}")
    kinds = "".join(f", $k{i}: RaterKind!, $g{i}: PioneerRating!" for i in range(len(ratings)))
    client.run(f"mutation($r: ID!, $p: ID!{kinds}) {{ {' '.join(fields)} }}", variables,
               token=tok)


def states(client, org, tok=None):
    return {p["name"]: (p["state"], p["rectifyBy"])
            for p in client.run(PIONEERS, {"o": org}, token=tok)["pioneers"]}


def shares(pioneer):
    return [(r["ratings"], r["averageOrWorse"], r["share"], r["closedOn"])
            for r in pioneer["reviews"]]


@pytest.fixture(scope="module")
def reviewed(city):
    """Both pioneers selected, reviewed and re-reviewed on the first day."""
    client, sec = city["client"], city["secretary"]

    def nominate(category, name, org, holder):
        data = {"c": category, "n": name, "o": org, "h": holder, "t": "扎根一线，事迹突出",
                "y": YEAR}
        nominee = client.run(NOMINATE, data, token=sec)["nominatePioneer"]
        assert (nominee["state"], nominee["holder"]) == ("NOMINATED", {"id": holder})
        return client.run(DECIDE, {"p": nominee["id"]}, token=sec)["decidePioneer"]
    person = nominate("INDIVIDUAL", "甲", city["a"], city["甲"])
    post = nominate("POST", "第二支部党员先锋岗", city["b"], city["乙"])
    pool = client.run(POOL, {"o": city["bureau"]}, token=sec)["talentPool"]
    assert sorted((e["member"]["id"], e["pioneer"]["id"], e["since"]) for e in pool) == \
        sorted([(city["甲"], person["id"], FIRST_DAY), (city["乙"], post["id"], FIRST_DAY)])
    client.run(PAIR, {"m": city["甲"], "e": city["丙"]}, token=sec)

    review = client.run(OPEN, {"c": city["committee"], "y": YEAR},
                        token=sec)["openPioneerReview"]
    for pioneer in (person, post):
        rate(client, review["id"], pioneer["id"], FORTY_PERCENT, sec)
    return {"person": person, "post": post, "review": review}


def test_a_secretary_of_another_bureau_can_neither_write_nor_read_the_bureaus_pioneers(
        city, reviewed):
    client, stranger = city["client"], city["stranger"]
    person, review = reviewed["person"], reviewed["review"]
    before = client.run(READ_REVIEW, {"r": review["id"]})["pioneerReview"]
    assert refused(client, NOMINATE, {"c": "INDIVIDUAL", "n": "丙", "o": city["a"],
                                      "h": city["丙"], "t": "事迹", "y": YEAR},
                   stranger) == ["FORBIDDEN"]
    assert refused(client, RATE, {"r": review["id"], "p": person["id"], "k": "PUBLIC",
                                  "g": "POOR"}, stranger) == ["FORBIDDEN"]
    assert refused(client, CLOSE, {"r": review["id"]}, stranger) == ["FORBIDDEN"]
    for query, variables in ((PIONEERS, {"o": city["bureau"]}), (PIONEERS, {"o": city["a"]}),
                             (READ_REVIEW, {"r": review["id"]}), (POOL, {"o": city["bureau"]}),
                             (PAIRS, {"o": city["bureau"]})):
        assert refused(client, query, variables, stranger) == ["FORBIDDEN"]
    # nothing was written: the same two pioneers, the same open review
    assert sorted(states(client, city["bureau"])) == ["甲", "第二支部党员先锋岗"]
    assert client.run(READ_REVIEW, {"r": review["id"]})["pioneerReview"] == before


def test_a_review_above_the_threshold_orders_rectification_and_a_re_review_reinstates(
        city, reviewed):
    client, sec = city["client"], city["secretary"]
    person, post, review = reviewed["person"], reviewed["post"], reviewed["review"]
    closed = client.run(CLOSE, {"r": review["id"]}, token=sec)["closePioneerReview"]
    assert closed["open"] is False and closed["committee"]["id"] == city["committee"]
    assert sorted((r["pioneerId"], r["ratings"], r["averageOrWorse"], r["share"],
                   r["closedOn"]) for r in closed["results"]) == \
        sorted((p["id"], 10, 4, 0.4, FIRST_DAY) for p in (person, post))
    assert states(client, city["bureau"], sec) == {
        "甲": ("RECTIFYING", RECTIFY_BY), "第二支部党员先锋岗": ("RECTIFYING", RECTIFY_BY)}
    assert refused(client, CLOSE, {"r": review["id"]}, sec) == ["CONFLICT"]
    # a rectifying holder mentors no one new
    assert refused(client, PAIR, {"m": city["甲"], "e": city["乙"]}, sec) == ["CONFLICT"]

    # the re-review, before the deadline: the post alone, at exactly 30 %
    again = client.run(OPEN, {"c": city["committee"], "y": YEAR},
                       token=sec)["openPioneerReview"]
    assert again["id"] != review["id"] and again["open"] is True
    rate(client, again["id"], post["id"], THIRTY_PERCENT, sec)
    client.run(CLOSE, {"r": again["id"]}, token=sec)
    assert states(client, city["bureau"], sec) == {
        "甲": ("RECTIFYING", RECTIFY_BY), "第二支部党员先锋岗": ("SELECTED", None)}
    seen = {p["name"]: p for p in client.run(PIONEERS, {"o": city["bureau"]},
                                             token=sec)["pioneers"]}
    assert shares(seen["第二支部党员先锋岗"]) == [(10, 4, 0.4, FIRST_DAY),
                                            (10, 3, 0.3, FIRST_DAY)]
    assert shares(seen["甲"]) == [(10, 4, 0.4, FIRST_DAY)]


def test_past_the_deadline_the_title_is_withdrawn_by_the_platform_itself(
        platform, city, reviewed):
    client, sec = city["client"], city["secretary"]
    person, post = reviewed["person"], reviewed["post"]
    assert states(client, city["bureau"])["甲"] == ("RECTIFYING", RECTIFY_BY)  # the order
    restart_on(platform, LATER_DAY)

    def withdrawn():
        now = states(client, city["bureau"], sec)
        assert (now["甲"][0], now["第二支部党员先锋岗"]) == ("WITHDRAWN", ("SELECTED", None)), now
    eventually(withdrawn, timeout=30, what="the title withdrawn by the sweep")
    pool = client.run(POOL, {"o": city["bureau"]}, token=sec)["talentPool"]
    assert [(e["member"]["id"], e["pioneer"]["id"]) for e in pool] == \
        [(city["乙"], post["id"])]
    assert client.run(PAIRS, {"o": city["bureau"]}, token=sec)["mentoringPairs"] == []

    def item_opened():
        items = client.run(ITEMS, {"o": city["committee"]}, token=sec)["supervisionItems"]
        assert [(i["rule"], i["period"], i["state"], i["org"]["id"]) for i in items
                if i["rule"] == "V3"] == [("V3", str(YEAR), "ASSIGNED", city["committee"])]
    eventually(item_opened, timeout=30, what="the V3 supervision item")
    # a withdrawn title is rated no more
    later = client.run(OPEN, {"c": city["committee"], "y": YEAR},
                       token=sec)["openPioneerReview"]
    assert refused(client, RATE, {"r": later["id"], "p": person["id"], "k": "MEMBER",
                                  "g": "GOOD"}, sec) == ["CONFLICT"]


def test_the_demo_bureau_has_two_pioneers_one_of_them_rectifying(city):
    client = city["client"]
    demo.load(client, dt.date.fromisoformat(LATER_DAY))
    (zibo,) = [c for c in client.run("{ organizations { id name children { id } } }")[
        "organizations"] if c["name"] == "淄博市"]
    bureau = zibo["children"][0]["id"]
    # reviewed and closed on LATER_DAY: 40 % AVERAGE or worse, rectifying until
    # 2026-06-09 + 90 days (21 of June, 31, 31, then 7 of September)
    assert states(client, bureau) == {"王建国": ("SELECTED", None),
                                      "局属事业单位党支部": ("RECTIFYING", "2026-09-07")}
    assert len(client.run(POOL, {"o": bureau})["talentPool"]) == 2
    assert len(client.run(PAIRS, {"o": bureau})["mentoringPairs"]) == 1
