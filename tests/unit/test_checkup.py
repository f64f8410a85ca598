"""The party-spirit check-up (services/scoring/domain/checkup.py): the
shipped indicator sets, the post type by roles, the total and the dimension
scores with negative indicators and clipping, the health bands at their
edges, and the scores refused."""
import datetime as dt
from decimal import Decimal

import pytest

from services.scoring.domain.checkup import (CHECKUP_RULES, check_scores, judging_day,
                                             parse_rule_set, post_type, score)
from shared.errors import BadInput
from shared.rules import Version
from shared.vocabulary import (CONDUCT, CONTRIBUTION, DIMENSIONS, DISCIPLINE, HEALTHY,
                               POLITICAL, POST_CADRE, POST_MEMBER, POST_SECRETARY, POST_TYPES,
                               SUB_HEALTHY, UNHEALTHY)


def ind(key, dimension=POLITICAL, weight=1, negative=False):
    return {"key": key, "title": f"指标{key}", "dimension": dimension, "weight": weight,
            "negative": negative}


def rule_set(member=None, secretary=None, cadre=None, healthy=85, sub_healthy=70):
    default = [ind("p")]
    return parse_rule_set(Version("test.yaml", 1, dt.date(2017, 1, 1), {
        "health": {"healthy": healthy, "sub_healthy": sub_healthy},
        "post_types": {"member": member or default, "branch_secretary": secretary or default,
                       "leading_cadre": cadre or default}}))


def scored(rules, post, **scores):
    given = [{"indicator": k.replace("_", "-"), "score": v} for k, v in scores.items()]
    return score(rules, post, check_scores(rules.indicators(post), given))


@pytest.fixture
def shipped(monkeypatch):
    monkeypatch.delenv("XF_RULES_DIR", raising=False)
    return CHECKUP_RULES.for_day("any-bureau", dt.date(2017, 6, 1))


def test_the_shipped_set_has_about_eight_indicators_per_post_type_both_ways(shipped):
    assert shipped.healthy == 85 and shipped.sub_healthy == 70
    for post in POST_TYPES:
        indicators = shipped.indicators(post)
        assert 6 <= len(indicators) <= 10
        assert any(i.negative for i in indicators) and any(not i.negative for i in indicators)
        assert {i.dimension for i in indicators if not i.negative} == set(DIMENSIONS)
        assert all(i.title and i.weight > 0 for i in indicators)


# -- post type ----------------------------------------------------------------------------

@pytest.mark.parametrize("roles, expected", [
    ([], POST_MEMBER),
    (["member"], POST_MEMBER),
    (["member", "branch_committee"], POST_MEMBER),
    (["member", "secretary"], POST_SECRETARY),
    (["secretary", "county_cadre"], POST_CADRE),
    (["bureau_committee"], POST_CADRE),
    (["secretary", "bureau_secretary"], POST_CADRE),
])
def test_a_cadre_role_wins_over_secretary_and_anyone_else_is_a_member(roles, expected):
    assert post_type(roles) == expected


def test_the_post_is_judged_on_dec_31_of_a_past_year_and_today_in_the_current_one():
    today = dt.date(2018, 6, 30)
    assert judging_day(2017, today) == dt.date(2017, 12, 31)
    assert judging_day(2018, today) == today
    with pytest.raises(BadInput) as refused:
        judging_day(2019, today)
    assert refused.value.field == "year"
    with pytest.raises(BadInput):
        judging_day("2018", today)


# -- the formula ----------------------------------------------------------------------------

def test_a_negative_indicator_is_subtracted_over_the_positive_weights():
    rules = rule_set(member=[ind("a", weight=3), ind("b", DISCIPLINE, weight=1),
                             ind("n", DISCIPLINE, weight=2, negative=True)])
    result = scored(rules, POST_MEMBER, a=90, b=70, n=10)
    # (3·90 + 1·70 − 2·10) / (3 + 1) = 320 / 4
    assert result.total == Decimal(80)
    assert result.health == SUB_HEALTHY
    assert dict(result.by_dimension) == {POLITICAL: Decimal(90),
                                         DISCIPLINE: Decimal(50)}  # (70 − 20) / 1


def test_the_total_is_clipped_at_0_and_at_100():
    rules = rule_set(member=[ind("a", weight=1), ind("n", weight=5, negative=True)])
    low = scored(rules, POST_MEMBER, a=10, n=100)          # (10 − 500) / 1
    assert low.total == 0 and low.health == UNHEALTHY
    assert dict(low.by_dimension) == {POLITICAL: 0}
    high = scored(rule_set(member=[ind("a", weight=2)]), POST_MEMBER, a=100)
    assert high.total == 100 and high.health == HEALTHY
    # a negative indicator scored 0 takes nothing away
    assert scored(rules, POST_MEMBER, a=100, n=0).total == 100


def test_a_dimension_without_a_positive_indicator_is_left_out():
    rules = rule_set(member=[ind("a", POLITICAL, weight=1), ind("b", CONTRIBUTION, weight=1),
                             ind("n", CONDUCT, weight=1, negative=True)])
    result = scored(rules, POST_MEMBER, a=80, b=100, n=20)
    assert result.total == Decimal(80)                     # (80 + 100 − 20) / 2
    assert [d for d, _ in result.by_dimension] == [POLITICAL, CONTRIBUTION]
    assert dict(result.by_dimension) == {POLITICAL: 80, CONTRIBUTION: 100}


@pytest.mark.parametrize("value, expected", [
    (85, HEALTHY), (84.99, SUB_HEALTHY), (100, HEALTHY), (70, SUB_HEALTHY),
    (69.99, UNHEALTHY), (0, UNHEALTHY)])
def test_health_bands_at_their_edges(value, expected):
    result = scored(rule_set(), POST_MEMBER, p=value)
    assert result.total == Decimal(str(value))
    assert result.health == expected


def test_the_bands_are_the_rule_sets():
    strict = rule_set(healthy=90, sub_healthy=80)
    assert scored(strict, POST_MEMBER, p=89.99).health == SUB_HEALTHY
    assert scored(strict, POST_MEMBER, p=79.99).health == UNHEALTHY


def test_the_shipped_member_set_by_hand(shipped):
    scores = {"ideals-and-convictions": 90, "theory-study": 80, "organisational-life": 100,
              "rules-and-discipline": 90, "integrity-and-conduct": 85, "post-performance": 80,
              "discipline-violations": 10, "public-complaints": 20}
    given = [{"indicator": k, "score": v} for k, v in scores.items()]
    result = score(shipped, POST_MEMBER, check_scores(shipped.indicators(POST_MEMBER), given))
    # positive: 20·90 + 15·80 + 15·100 + 10·90 + 15·85 + 25·80 = 8675 over 100;
    # negative: 10·10 + 5·20 = 200
    assert result.total == Decimal("84.75") and result.health == SUB_HEALTHY
    assert dict(result.by_dimension) == {
        POLITICAL: Decimal(3000) / 35, DISCIPLINE: Decimal(1500 + 900 - 100) / 25,
        CONDUCT: Decimal(1275 - 100) / 15, CONTRIBUTION: Decimal(80)}


# -- refused scores ---------------------------------------------------------------------------

@pytest.mark.parametrize("scores, field, words", [
    ([{"indicator": "p", "score": 1}, {"indicator": "x", "score": 1}], "scores[1].indicator",
     "'x' is not an indicator"),
    ([{"indicator": "p", "score": 1}, {"indicator": "p", "score": 2}], "scores[1].indicator",
     "scored twice"),
    ([{"indicator": "p", "score": 100.01}, {"indicator": "q", "score": 1}], "scores[0].score",
     "0 to 100"),
    ([{"indicator": "p", "score": -1}, {"indicator": "q", "score": 1}], "scores[0].score",
     "0 to 100"),
    ([{"indicator": "p", "score": float("nan")}, {"indicator": "q", "score": 1}],
     "scores[0].score", "0 to 100"),
    ([{"indicator": "p", "score": True}, {"indicator": "q", "score": 1}], "scores[0].score",
     "0 to 100"),
    ([{"indicator": "p", "score": 50}], "scores", "missing q"),
    ("p", "scores", "a list"),
    ([{"indicator": "p", "score": 1}] * 101, "scores", "at most 100"),
])
def test_every_indicator_is_scored_once_from_0_to_100(scores, field, words):
    rules = rule_set(member=[ind("p"), ind("q", negative=True)])
    with pytest.raises(BadInput) as refused:
        check_scores(rules.indicators(POST_MEMBER), scores)
    assert refused.value.field == field
    assert words in refused.value.message


# -- a rule set that cannot be used --------------------------------------------------------

@pytest.mark.parametrize("change, words", [
    (lambda b: b["post_types"].pop("leading_cadre"), "post_types.leading_cadre"),
    (lambda b: b["post_types"].update(intern=[ind("p")]), "unknown post types"),
    (lambda b: b["post_types"]["member"].append(ind("p")), "unique"),
    (lambda b: b["post_types"]["member"].append(ind("z", "LOYALTY")), "dimension"),
    (lambda b: b["post_types"]["member"].append(ind("z", weight=0)), "above 0"),
    (lambda b: b["post_types"].update(member=[ind("n", negative=True)]), "positive"),
    (lambda b: b["health"].update(sub_healthy=90), "bands"),
    (lambda b: b.pop("health"), "health"),
])
def test_a_broken_rule_set_is_refused_saying_what_is_wrong(change, words):
    body = {"health": {"healthy": 85, "sub_healthy": 70},
            "post_types": {t: [ind("p")] for t in POST_TYPES}}
    change(body)
    with pytest.raises(ValueError) as refused:
        parse_rule_set(Version("test.yaml", 1, dt.date(2017, 1, 1), body))
    assert words in str(refused.value)


def test_a_bureau_replaces_the_shipped_set_with_its_own_file(tmp_path, monkeypatch):
    monkeypatch.setenv("XF_RULES_DIR", str(tmp_path))
    (tmp_path / "checkup").mkdir()
    (tmp_path / "checkup" / "bureau-own.yaml").write_text("""\
kind: checkup
versions:
  - version: 3
    effective_from: 2017-01-01
    health: {healthy: 90, sub_healthy: 60}
    post_types:
      member: [{key: loyal, title: 忠诚, dimension: POLITICAL, weight: 1}]
      branch_secretary: [{key: lead, title: 带头, dimension: CONTRIBUTION, weight: 1}]
      leading_cadre: [{key: clean, title: 廉洁, dimension: CONDUCT, weight: 1}]
""", encoding="utf-8")
    own = CHECKUP_RULES.for_day("bureau-own", dt.date(2018, 12, 31))
    assert own.version == 3 and [i.key for i in own.indicators(POST_MEMBER)] == ["loyal"]
    assert scored(own, POST_MEMBER, loyal=85).health == SUB_HEALTHY
    others = CHECKUP_RULES.for_day("bureau-else", dt.date(2018, 12, 31))
    assert others.version == 1 and len(others.indicators(POST_MEMBER)) == 8
