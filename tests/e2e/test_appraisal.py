"""A branch's democratic appraisal (民主评议党员) through the front door: the
secretary opens it, members score themselves (SELF) and each other (PEER)
with their own tokens, the secretary enters the masses' (PUBLIC) and the
organisation's (ORG) scores, and the grades are those worked out by hand
below: weights renormalised where a part is missing, ORG derived from the
points where none was entered, the EXCELLENT cap of a branch of four (one
place) going to the member with more points on a tie. Nobody rates
themselves as PEER; a member's token gives only its own SELF score;
scores after finalizing are CONFLICT; the bureau sees the results."""
import pytest

from shared import clock
from tests.e2e.conftest import admin, eventually, refused, token

RESULT = """id year state branch { id } results { member { id name } score grade needsReview
    parts { part score raters } }"""
OPEN = "mutation($b: ID!, $y: Int!) { openAppraisal(branchId: $b, year: $y) { %s } }" % RESULT
SCORE = "mutation($i: AppraisalScoreInput!) { scoreAppraisal(input: $i) { %s } }" % RESULT
FINALIZE = "mutation($a: ID!) { finalizeAppraisal(id: $a) { %s } }" % RESULT
READ = "query($b: ID!, $y: Int!) { appraisal(branchId: $b, year: $y) { %s } }" % RESULT
POINTS = "query($m: ID!, $y: Int!) { member(id: $m) { points(year: $y) { total } } }"


@pytest.fixture(scope="module")
def branch(platform):
    client = admin(platform)
    city = client.create_org("评议市", "CITY")["id"]
    bureau = client.create_org("评议局", "BUREAU", city)["id"]
    committee = client.create_org("评议局党委", "COMMITTEE", bureau)["id"]
    branch_id = client.create_org("评议支部", "BRANCH", committee)["id"]
    other_bureau = client.create_org("别局", "BUREAU", city)["id"]
    members = {name: client.register_member(name, branch_id)["id"]
               for name in ("甲", "乙", "丙", "丁")}
    today = clock.today()
    # 乙 and 丙 attend an activity day: 2 points each (attend-activity-day)
    client.record_activity(branch_id, "ACTIVITY_DAY", "主题党日", today.isoformat(),
                           [{"memberId": members[m], "status": "PRESENT"} for m in ("乙", "丙")])

    def posted():
        for name in ("乙", "丙"):
            total = client.run(POINTS, {"m": members[name], "y": today.year}
                               )["member"]["points"]["total"]
            assert total == 2.0, (name, total)
    eventually(posted, what="the activity day's points")
    return {"client": client, "id": branch_id, "year": today.year, "bureau": bureau,
            "committee": committee, "other_bureau": other_bureau, "members": members,
            "secretary": token(branch_id, ("secretary",), sub="评议书记"),
            "own": {name: token(branch_id, ("member",), sub=m) for name, m in members.items()}}


def test_a_branchs_appraisal_gives_the_grades_worked_out_by_hand(branch):
    client, m, year = branch["client"], branch["members"], branch["year"]
    sec, own = branch["secretary"], branch["own"]
    opened = client.run(OPEN, {"b": branch["id"], "y": year}, token=sec)["openAppraisal"]
    assert (opened["state"], opened["year"], opened["branch"]["id"]) == ("OPEN", year,
                                                                         branch["id"])
    again = client.run(OPEN, {"b": branch["id"], "y": year}, token=sec)["openAppraisal"]
    assert again["id"] == opened["id"]
    assert refused(client, OPEN, {"b": branch["committee"], "y": year}, sec) == ["FORBIDDEN"]
    assert refused(client, OPEN, {"b": branch["committee"], "y": year}) == ["BAD_INPUT"]
    assert refused(client, OPEN, {"b": branch["id"], "y": year + 1}, sec) == ["BAD_INPUT"]

    def score(member, part, value, rater=None, as_=None):
        data = {"appraisalId": opened["id"], "memberId": m[member], "part": part,
                "score": value}
        if rater:
            data["raterId"] = m[rater]
        return client.run(SCORE, {"i": data}, token=own[as_] if as_ else sec)["scoreAppraisal"]

    def refused_score(member, part, value, rater=None, as_=None):
        data = {"appraisalId": opened["id"], "memberId": m[member], "part": part,
                "score": value}
        if rater:
            data["raterId"] = m[rater]
        return refused(client, SCORE, {"i": data}, own[as_] if as_ else sec)

    # members' own tokens: SELF of themselves, PEER of the others
    score("甲", "SELF", 95, rater="甲", as_="甲")
    score("乙", "SELF", 95, rater="乙", as_="乙")
    score("丁", "SELF", 70, rater="丁", as_="丁")
    score("甲", "PEER", 90, rater="乙", as_="乙")
    score("甲", "PEER", 94, rater="丙", as_="丙")
    score("乙", "PEER", 92, rater="甲", as_="甲")
    score("丙", "PEER", 80, rater="丁", as_="丁")
    score("丁", "PEER", 75, rater="甲", as_="甲")
    # the secretary: the masses' and the organisation's
    for member, part, value in (("甲", "PUBLIC", 90), ("甲", "PUBLIC", 94), ("乙", "PUBLIC", 92),
                                ("丁", "PUBLIC", 80), ("甲", "ORG", 90)):
        score(member, part, value)
    answer = score("乙", "ORG", 90)

    # what is refused, writing nothing
    assert refused_score("甲", "PEER", 99, rater="甲", as_="甲") == ["BAD_INPUT"]  # PEER of oneself
    assert refused_score("甲", "PEER", 99, rater="甲") == ["BAD_INPUT"]           # by anyone
    assert refused_score("乙", "SELF", 99, rater="乙", as_="甲") == ["FORBIDDEN"]  # another's SELF
    assert refused_score("乙", "SELF", 99, rater="甲", as_="甲") == ["FORBIDDEN"]
    assert refused_score("甲", "PUBLIC", 99, as_="甲") == ["FORBIDDEN"]
    assert refused_score("甲", "PEER", 99, rater="乙", as_="乙") == ["CONFLICT"]   # rated once
    assert refused_score("甲", "ORG", 99) == ["CONFLICT"]
    assert refused_score("甲", "PUBLIC", 99, rater="乙") == ["BAD_INPUT"]

    # 甲: SELF 95, PEER (90+94)/2 = 92, PUBLIC (90+94)/2 = 92, ORG 90
    #     (20·95 + 40·92 + 20·92 + 20·90) / 100 = 92.20
    # 乙: SELF 95, PEER 92, PUBLIC 92, ORG 90: 92.20 too, and 2 points to 甲's 0
    # 丙: PEER 80, ORG derived from 2 points: 100 × 2 / 100 = 2
    #     (40·80 + 20·2) / 60 = 54.00, UNQUALIFIED: needs review
    # 丁: SELF 70, PEER 75, PUBLIC 80, ORG derived from 0 points = 0
    #     (20·70 + 40·75 + 20·80 + 20·0) / 100 = 60.00, BASICALLY_QUALIFIED
    # a branch of 4 has max(⌊0.3·4⌋, 1) = 1 EXCELLENT place: the tie goes to 乙
    expected = [("乙", 92.2, "EXCELLENT", False), ("甲", 92.2, "QUALIFIED", False),
                ("丁", 60.0, "BASICALLY_QUALIFIED", False), ("丙", 54.0, "UNQUALIFIED", True)]

    def graded(appraisal):
        return [(r["member"]["name"], r["score"], r["grade"], r["needsReview"])
                for r in appraisal["results"]]
    assert graded(answer) == expected
    parts = {r["member"]["name"]: r["parts"] for r in answer["results"]}
    assert parts["甲"] == [{"part": "SELF", "score": 95.0, "raters": 1},
                          {"part": "PEER", "score": 92.0, "raters": 2},
                          {"part": "PUBLIC", "score": 92.0, "raters": 2},
                          {"part": "ORG", "score": 90.0, "raters": 1}]
    assert parts["丙"] == [{"part": "PEER", "score": 80.0, "raters": 1},
                          {"part": "ORG", "score": 2.0, "raters": 0}]

    # finalized: the same grades, frozen; every later score is CONFLICT
    done = client.run(FINALIZE, {"a": opened["id"]}, token=sec)["finalizeAppraisal"]
    assert done["state"] == "FINALIZED" and graded(done) == expected
    assert client.run(FINALIZE, {"a": opened["id"]}, token=sec)["finalizeAppraisal"] == done
    assert refused_score("丙", "PUBLIC", 99) == ["CONFLICT"]
    assert refused_score("丙", "SELF", 99, rater="丙", as_="丙") == ["CONFLICT"]
    assert refused_score("甲", "PEER", 99, rater="丙", as_="丙") == ["CONFLICT"]
    client.register_member("戊", branch["id"])   # joins later: not in the results
    assert client.run(READ, {"b": branch["id"], "y": year}, token=sec)["appraisal"] == done

    # the bureau sees the branch's results; another bureau does not
    bureau_token = token(branch["bureau"], ("viewer",), sub="评议局")
    seen = client.run(READ, {"b": branch["id"], "y": year}, token=bureau_token)["appraisal"]
    assert graded(seen) == expected
    assert refused(client, READ, {"b": branch["id"], "y": year},
                   token(branch["other_bureau"], ("admin",), sub="别局")) == ["FORBIDDEN"]
    assert client.run(READ, {"b": branch["id"], "y": year - 1})["appraisal"] is None
