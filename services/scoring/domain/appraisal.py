"""Democratic appraisal of party members (民主评议党员): a branch's members
score each other once a year in four parts, self-assessment (自评, SELF),
mutual assessment (互评, PEER), the masses' assessment (群众评议, PUBLIC) and
the organisation's assessment (组织评定, ORG); each member gets a weighted
score and a grade (优秀 / 合格 / 基本合格 / 不合格), and the grades are
reported to the bureau (报局党委备案).

Pure: who may give which score (``validate_score``, ``check_in_branch``)
and what the scores come to (``appraise``), by the bureau's appraisal rule
set (rules/appraisal/default.yaml). Numbers are Decimals; a score is
rounded to two decimals once, at the end, and graded as rounded, so the
bands meet without a gap (89.99 is QUALIFIED, 90.00 EXCELLENT)."""
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from shared.errors import BadInput
from shared.rules import RuleSets
from shared.vocabulary import (APPRAISAL_PARTS, BASICALLY_QUALIFIED, EXCELLENT, QUALIFIED,
                               UNQUALIFIED)

SELF, PEER, PUBLIC, ORG = APPRAISAL_PARTS
OPEN, FINALIZED = "OPEN", "FINALIZED"   # an appraisal's states
BANDED = (EXCELLENT, QUALIFIED, BASICALLY_QUALIFIED)  # the grades with a lowest score
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
# a part whose scores carry the rater (one score per rater), and the one
# that the branch enters once per member
RATED_BY_MEMBERS = (SELF, PEER)
# the rater key of the branch's one ORG score per member (see ``rater_key``)
THE_BRANCH = "branch"


# -- the rule set --------------------------------------------------------------------

@dataclass(frozen=True)
class AppraisalRules:
    version: int
    weights: dict            # part -> Decimal weight
    bands: tuple             # ((grade, lowest score), ...) best first
    org_from_points: Decimal  # the year's points that earn a full ORG score
    excellent_share: Decimal
    excellent_minimum: int


def _number(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{what} must be a number, not {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{what} must be a number, not {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"{what} must be a number, not {value!r}")
    return number


def parse_rule_set(version):
    body = version.body
    weights = body.get("weights")
    if not isinstance(weights, dict) or set(weights) != set(APPRAISAL_PARTS):
        raise ValueError(f"weights must give each of {', '.join(APPRAISAL_PARTS)} its weight")
    parsed = {part: _number(weights[part], f"the weight of {part}") for part in APPRAISAL_PARTS}
    if any(w < 0 for w in parsed.values()) or not any(w > 0 for w in parsed.values()):
        raise ValueError("weights are 0 or more, and at least one is above 0")
    bands = body.get("bands")
    if not isinstance(bands, dict) or set(bands) != set(BANDED):
        raise ValueError(f"bands must give the lowest score of each of {', '.join(BANDED)}")
    lowest = [(grade, _number(bands[grade], f"the band of {grade}")) for grade in BANDED]
    floors = [floor for _, floor in lowest]
    if floors != sorted(floors, reverse=True) or len(set(floors)) != len(floors) \
            or not all(0 < f <= HUNDRED for f in floors):
        raise ValueError("bands fall from EXCELLENT to BASICALLY_QUALIFIED, each above 0 "
                         "and at most 100")
    scale = _number(body.get("org_from_points"), "org_from_points")
    if scale <= 0:
        raise ValueError("org_from_points (the points of a full ORG score) is above 0")
    share = _number(body.get("excellent_share"), "excellent_share")
    if not 0 <= share <= 1:
        raise ValueError("excellent_share is a share of the branch, 0 to 1")
    minimum = body.get("excellent_minimum")
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0:
        raise ValueError("excellent_minimum is a whole number of members, 0 or more")
    return AppraisalRules(version.version, parsed, tuple(lowest), scale, share, minimum)


APPRAISAL_RULES = RuleSets("appraisal", parse_rule_set)


# -- a score given ---------------------------------------------------------------------

@dataclass(frozen=True)
class ScoreDraft:
    member_id: str
    part: str
    rater_id: str | None
    score: Decimal


def parse_score(value, field="score"):
    """A score of 0..100 with at most two decimals, as a Decimal."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadInput(f"{value!r} is not a score; a score is a number from 0 to 100", field)
    number = Decimal(str(value))
    if not number.is_finite() or not 0 <= number <= HUNDRED:
        raise BadInput(f"{value} is not a score; a score runs from 0 to 100", field)
    if number != number.quantize(CENT, rounding=ROUND_DOWN):
        raise BadInput(f"{value} has more than two decimals; write e.g. 87.5", field)
    return number.quantize(CENT)


def validate_score(data):
    """The score ``data`` gives ({member_id, part, rater_id, score}), checked
    for what needs no one else's knowledge: SELF is rated by the member
    (rater = member), PEER by another member, PUBLIC and ORG by no one named."""
    if not isinstance(data, dict):
        raise BadInput("a score is {memberId, part, raterId, score}", "input")
    member_id, part, rater_id = data.get("member_id"), data.get("part"), data.get("rater_id")
    if not isinstance(member_id, str) or not member_id:
        raise BadInput("the member scored is needed", "memberId")
    if part not in APPRAISAL_PARTS:
        raise BadInput(f"{part!r} is not a part; one of {', '.join(APPRAISAL_PARTS)}", "part")
    if rater_id is not None and (not isinstance(rater_id, str) or not rater_id):
        raise BadInput("a rater is a member id", "raterId")
    if part == SELF and rater_id != member_id:
        raise BadInput("a SELF score is the member's own: raterId must be the memberId",
                       "raterId")
    if part == PEER:
        if rater_id is None:
            raise BadInput("a PEER score names its rater, another member of the branch",
                           "raterId")
        if rater_id == member_id:
            raise BadInput("nobody rates themselves as PEER; a member's own score is SELF",
                           "raterId")
    if part in (PUBLIC, ORG) and rater_id is not None:
        raise BadInput(f"a {part} score names no rater; leave raterId out", "raterId")
    return ScoreDraft(member_id, part, rater_id, parse_score(data.get("score")))


def check_in_branch(draft, branch_member_ids):
    """The member scored, and a PEER rater, belong to the branch; the
    message is the same for an id that exists elsewhere and for none."""
    if draft.member_id not in branch_member_ids:
        raise BadInput(f"{draft.member_id} is not a member of the branch appraised",
                       "memberId")
    if draft.part == PEER and draft.rater_id not in branch_member_ids:
        raise BadInput(f"{draft.rater_id} is not a member of the branch appraised; "
                       "peers are the branch's members", "raterId")


def rater_key(draft, score_id):
    """What makes a score one of its kind: a SELF or PEER rater rates a
    member once per part, the branch enters one ORG score per member, and
    each PUBLIC score (anonymous) is a rater of its own."""
    if draft.part in RATED_BY_MEMBERS:
        return draft.rater_id
    return THE_BRANCH if draft.part == ORG else score_id


# -- what the scores come to -------------------------------------------------------------

@dataclass(frozen=True)
class MemberFacts:
    member_id: str
    name: str
    points: Decimal          # the member's year total (net)
    scores: dict             # part -> [Decimal score] as given


@dataclass(frozen=True)
class PartScore:
    part: str
    score: Decimal           # the raters' mean, rounded to cents
    raters: int              # 0: ORG derived from the points
    exact: Decimal           # the mean unrounded, which the weighted score uses


@dataclass(frozen=True)
class Result:
    member_id: str
    name: str
    points: Decimal
    parts: tuple
    score: Decimal
    grade: str | None
    needs_review: bool


def cents(number):
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def derived_org(points, rules):
    """ORG from the year's points: 100 × total / org_from_points, 0..100."""
    return min(HUNDRED, max(Decimal(0), HUNDRED * Decimal(points) / rules.org_from_points))


def part_scores(facts, rules):
    """Each part with a score for the member, in the parts' order: a part's
    score is its raters' mean; ORG, when none was entered, is derived."""
    out = []
    for part in APPRAISAL_PARTS:
        given = facts.scores.get(part) or []
        if given:
            mean = sum(given, Decimal(0)) / len(given)
            out.append(PartScore(part, cents(mean), len(given), mean))
        elif part == ORG:
            mean = derived_org(facts.points, rules)
            out.append(PartScore(part, cents(mean), 0, mean))
    return tuple(out)


def weighted(parts, rules):
    """The weighted mean of ``parts``, the weights renormalised over them;
    None when the parts present all weigh nothing."""
    total = sum((rules.weights[p.part] for p in parts), Decimal(0))
    if total == 0:
        return None
    return cents(sum((rules.weights[p.part] * p.exact for p in parts), Decimal(0)) / total)


def band(score, rules):
    for grade, lowest in rules.bands:
        if score >= lowest:
            return grade
    return UNQUALIFIED


def excellent_cap(members, rules):
    """How many of a branch of ``members`` may be EXCELLENT: the share,
    rounded down, but never below the minimum."""
    share = (rules.excellent_share * members).to_integral_value(rounding=ROUND_DOWN)
    return max(int(share), rules.excellent_minimum)


def rank_key(result):
    """Best first: the score, then more points, then the name in the order
    of its characters, as the organisation service lists members (then the
    id, so that two namesakes still come in one order)."""
    return (-result.score, -result.points, result.name, result.member_id)


def appraise(members, rules):
    """The results of every member (``[MemberFacts]``), best first. Beyond
    the EXCELLENT cap the lower scores of the band become QUALIFIED."""
    results = []
    for facts in members:
        parts = part_scores(facts, rules)
        score = weighted(parts, rules)
        grade = None if score is None else band(score, rules)
        results.append(Result(facts.member_id, facts.name, Decimal(facts.points), parts,
                              score if score is not None else Decimal(0).quantize(CENT),
                              grade, grade == UNQUALIFIED))
    results.sort(key=rank_key)
    room = excellent_cap(len(results), rules)
    out = []
    for result in results:
        if result.grade == EXCELLENT:
            if room > 0:
                room -= 1
            else:
                result = Result(result.member_id, result.name, result.points, result.parts,
                                result.score, QUALIFIED, False)
        out.append(result)
    return out
