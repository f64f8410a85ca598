"""The party-spirit check-up (党性教育体检) through the front door: the
indicators of each post type (an ordinary member, a branch secretary, a
leading cadre), a branch secretary recording a member's check-up whose
total, dimension scores and health are computed by hand here, the refused
inputs (BAD_INPUT naming the field, nothing written), a reader refused, and
quota P5 of the year MET in compliance for that member and PENDING for
another."""
import pytest

from shared import clock
from tests.e2e.conftest import admin, eventually, refused, token

YEAR = clock.today().year

INDICATORS = """query($m: ID!, $y: Int!) { checkupIndicators(memberId: $m, year: $y) {
    key dimension weight negative } }"""
CHECKUP = """query($m: ID!, $y: Int!) { checkup(memberId: $m, year: $y) {
    member { id } year postType scores { indicator score } total health
    byDimension { dimension score } } }"""
RECORD = """mutation($i: CheckupInput!) { recordCheckup(input: $i) {
    member { id } year postType scores { indicator score } total health
    byDimension { dimension score } } }"""
COMPLIANCE = """query($o: ID!, $p: String!) { compliance(orgId: $o, period: $p) {
    results { rule subjectId required actual status } } }"""


@pytest.fixture(scope="module")
def city(platform):
    client = admin(platform)
    top = client.create_org("体检市", "CITY")["id"]
    bureau = client.create_org("体检局", "BUREAU", top)["id"]
    committee = client.create_org("体检局党委", "COMMITTEE", bureau)["id"]
    branch = client.create_org("体检支部", "BRANCH", committee)["id"]
    member = client.register_member("普通党员", branch)["id"]
    other = client.register_member("未体检党员", branch)["id"]
    secretary = client.register_member("支部书记", branch, ["member", "secretary"])["id"]
    cadre = client.register_member("局领导", branch, ["member", "bureau_committee"])["id"]
    return {"client": client, "bureau": bureau, "branch": branch, "member": member,
            "other": other, "secretary": secretary, "cadre": cadre,
            "writer": token(branch, ("secretary",), sub="体检支部书记"),
            "reader": token(branch, ("member",), sub=member)}


def indicators(city, member_id):
    return city["client"].run(INDICATORS, {"m": member_id, "y": YEAR})["checkupIndicators"]


def test_each_post_type_has_its_own_indicators_both_ways(city):
    sets = {who: indicators(city, city[who]) for who in ("member", "secretary", "cadre")}
    keys = {who: {i["key"] for i in found} for who, found in sets.items()}
    assert keys["member"] != keys["secretary"] != keys["cadre"] != keys["member"]
    assert "ideals-and-convictions" in keys["member"]
    assert "branch-building" in keys["secretary"]
    assert "political-loyalty" in keys["cadre"]
    for found in sets.values():
        assert 6 <= len(found) <= 10
        assert {i["negative"] for i in found} == {True, False}
        assert {i["dimension"] for i in found if not i["negative"]} == \
            {"POLITICAL", "DISCIPLINE", "CONDUCT", "CONTRIBUTION"}


def test_a_check_up_recorded_and_p5_met_for_that_member_only(city):
    client, member = city["client"], city["member"]
    found = indicators(city, member)
    weights = {i["key"]: (i["weight"], i["negative"], i["dimension"]) for i in found}
    # each positive indicator 80, except the POLITICAL ones 100; each negative 10
    given = {k: (10 if neg else 100 if dim == "POLITICAL" else 80)
             for k, (_, neg, dim) in weights.items()}
    positive = sum(w for w, neg, _ in weights.values() if not neg)
    net = sum((-w if neg else w) * given[k] for k, (w, neg, _) in weights.items())
    total = max(0.0, min(100.0, net / positive))
    by_hand = {}
    for dimension in ("POLITICAL", "DISCIPLINE", "CONDUCT", "CONTRIBUTION"):
        mine = {k: v for k, v in weights.items() if v[2] == dimension}
        pos = sum(w for w, neg, _ in mine.values() if not neg)
        if pos:
            value = sum((-w if neg else w) * given[k] for k, (w, neg, _) in mine.items()) / pos
            by_hand[dimension] = max(0.0, min(100.0, value))
    health = "HEALTHY" if total >= 85 else "SUB_HEALTHY" if total >= 70 else "UNHEALTHY"
    # the shipped member set, by hand: (35·100 + 65·80 − 10·10 − 5·10) / 100 = 85.5
    assert total == pytest.approx(85.5) and health == "HEALTHY"

    scores = [{"indicator": k, "score": v} for k, v in given.items()]
    answer = client.run(RECORD, {"i": {"memberId": member, "year": YEAR, "scores": scores}},
                        token=city["writer"])["recordCheckup"]
    assert answer["member"]["id"] == member and answer["postType"] == "member"
    assert answer["total"] == pytest.approx(total, abs=1e-4)
    assert answer["health"] == health
    assert {d["dimension"]: d["score"] for d in answer["byDimension"]} == \
        pytest.approx(by_hand, abs=1e-4)
    assert answer["scores"] == [{"indicator": k, "score": float(v)} for k, v in given.items()]
    assert client.run(CHECKUP, {"m": member, "y": YEAR})["checkup"] == answer
    # the member reads their own; a member's token writes none, not even their own
    assert client.run(CHECKUP, {"m": member, "y": YEAR}, token=city["reader"])["checkup"] \
        == answer
    assert refused(client, RECORD, {"i": {"memberId": member, "year": YEAR,
                                          "scores": scores}}, token=city["reader"]) == \
        ["FORBIDDEN"]

    def p5():
        rows = client.run(COMPLIANCE, {"o": city["branch"], "p": str(YEAR)})
        seen = {r["subjectId"]: (r["required"], r["actual"], r["status"])
                for r in rows["compliance"]["results"] if r["rule"] == "P5"}
        assert seen.get(member) == (1, 1, "MET"), seen
        assert seen.get(city["other"]) == (1, 0, "PENDING"), seen
    eventually(p5, what="P5 of the year met for the member")


@pytest.mark.parametrize("change, field", [
    (lambda s: s[:-1], "scores"),                                             # one missing
    (lambda s: s + s[:1], f"scores[{{n}}].indicator"),                        # one twice
    (lambda s: s[:-1] + [{"indicator": "no-such-thing", "score": 50}],
     "scores[{last}].indicator"),
    (lambda s: [{**s[0], "score": 100.5}] + s[1:], "scores[0].score"),
    (lambda s: [{**s[0], "score": -1}] + s[1:], "scores[0].score"),
])
def test_a_bad_check_up_is_refused_naming_the_field_and_writes_nothing(city, change, field):
    client, other = city["client"], city["other"]
    scores = [{"indicator": i["key"], "score": 90} for i in indicators(city, other)]
    bad = change(scores)
    field = field.format(n=len(scores), last=len(scores) - 1)
    response = client.post(RECORD, {"i": {"memberId": other, "year": YEAR, "scores": bad}},
                           token=city["writer"])
    errors = response.json()["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["BAD_INPUT"], errors
    assert errors[0]["extensions"]["field"] == field, errors
    assert client.run(CHECKUP, {"m": other, "y": YEAR})["checkup"] is None


def test_a_year_to_come_is_refused_and_writes_nothing(city):
    client, other = city["client"], city["other"]
    scores = [{"indicator": i["key"], "score": 90} for i in indicators(city, other)]
    assert refused(client, RECORD, {"i": {"memberId": other, "year": YEAR + 1,
                                          "scores": scores}}) == ["BAD_INPUT"]
    assert refused(client, INDICATORS, {"m": other, "y": YEAR + 1}) == ["BAD_INPUT"]
    assert client.run(CHECKUP, {"m": other, "y": YEAR + 1})["checkup"] is None
    assert client.run(CHECKUP, {"m": other, "y": YEAR})["checkup"] is None
