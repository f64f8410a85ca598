"""The quota rule set (量化指标) as data: what a rule counts, for which
subjects, per which period, and by when (its deadline). Pure: parsing and
validating a version of rules/quota/*.yaml."""
import datetime as dt
import re
from dataclasses import dataclass

from shared.periods import KINDS as PERIOD_KINDS, YEAR
from shared.rules import RuleSets
from shared.vocabulary import ACTIVITY_KINDS, BRANCH, BUREAU, COMMITTEE

# An organisation subject counts what it (or an organisation inside it) did;
# a member subject counts what the member did; a role subject is a member
# judged by the role they hold on the day (局党委书记, 局党委委员, either).
ORG_SUBJECTS = ("branch", "group_or_branch", "committee", "committee_or_branch", "bureau")
ROLE_SUBJECTS = ("bureau_secretary", "committee_member", "bureau_leader")
MEMBER_SUBJECTS = ("member",) + ROLE_SUBJECTS
SUBJECTS = ORG_SUBJECTS + MEMBER_SUBJECTS
SUBJECT_ORG_KINDS = {"branch": (BRANCH,), "committee": (COMMITTEE,),
                     "committee_or_branch": (COMMITTEE, BRANCH), "bureau": (BUREAU,)}
SUBJECT_ROLES = {"bureau_secretary": frozenset({"bureau_secretary"}),
                 "committee_member": frozenset({"bureau_committee"}),
                 "bureau_leader": frozenset({"bureau_committee", "bureau_secretary"})}
LEADING_ROLES = frozenset().union(*SUBJECT_ROLES.values())

# The facts besides activities held that a rule may count, with the subjects
# each can count for.
PLAN_FILED = "plan_filed"                        # 年度计划备案 (annual plan)
SELF_STUDY_PLAN_FILED = "self_study_plan_filed"  # 自学备案
LECTURE_GIVEN = "lecture_given"                  # 讲党课: a PARTY_LECTURE by the subject
GUEST_AT = "guest_at"                            # attended as a guest (双重组织生活)
FACT_SUBJECTS = {
    PLAN_FILED: ("branch", "committee", "committee_or_branch"),
    SELF_STUDY_PLAN_FILED: ("member",),
    LECTURE_GIVEN: ROLE_SUBJECTS,
    GUEST_AT: ROLE_SUBJECTS,
}
PLAN_KINDS = ("STUDY", "MEETINGS")               # 年度学习计划 / 年度"三会一课"计划
# where a lecture or a guest's attendance counts: at a branch of the subject's
# bureau, or at a branch the subject contacts on the day (联系点)
PLACES = ("bureau", "contact_branch")
DUE = re.compile(r"^(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class QuotaRule:
    key: str
    title: str
    subject: str
    period: str
    activity_kinds: tuple
    minimum: int | None
    enabled: bool
    fact: str | None = None      # None: activities of activity_kinds held
    plan: str | None = None      # for plan_filed: which plan
    at: str | None = None        # for lecture_given / guest_at: where
    due: tuple | None = None     # (month, day): counts what was told by then

    @property
    def per_member(self):
        return self.subject in MEMBER_SUBJECTS

    @property
    def by_role(self):
        return self.subject in ROLE_SUBJECTS

    def deadline(self, period):
        """The last day a fact may be told on to count in ``period``."""
        if self.due is None:
            return None
        return dt.date(period.start.year, *self.due)

    def judging_day(self, period, today):
        """The day a quota of ``period`` is judged on (whose roles count): its
        deadline or the period's end; for one not yet reached, today."""
        day = min(self.deadline(period) or period.end, today)
        return max(day, period.start)


@dataclass(frozen=True)
class QuotaRuleSet:
    version: int
    rules: tuple

    def active(self, period_kind=None):
        return [r for r in self.rules if r.enabled
                and (period_kind is None or r.period == period_kind)]


def _due(key, raw, period):
    if raw is None:
        return None
    match = DUE.match(str(raw))
    example = "e.g. 'due: 01-31' for January 31"
    if not match:
        raise ValueError(f"rule {key}: due {raw!r} is not a day of the year; write it "
                         f"as MM-DD, {example}")
    month, day = int(match.group(1)), int(match.group(2))
    try:
        dt.date(2017, month, day)  # a common year: Feb 29 is not in every period
    except ValueError:
        raise ValueError(f"rule {key}: due {raw!r} is not a day of every year; write it "
                         f"as MM-DD, {example}") from None
    if period != YEAR:
        raise ValueError(f"rule {key}: due {raw!r} lies outside most {period}s; a deadline "
                         "is a day inside every period, so only a rule with 'period: year' "
                         "may have one")
    return month, day


def _counts(key, subject, counts, enabled):
    """(activity kinds, fact, plan, at) of a rule's ``counts``."""
    if not isinstance(counts, dict):
        raise ValueError(f"rule {key}: counts is a mapping, e.g. "
                         "'counts: {activity_kinds: [ACTIVITY_DAY]}'")
    kinds = tuple(counts.get("activity_kinds") or ())
    unknown = [k for k in kinds if k not in ACTIVITY_KINDS]
    if unknown:
        raise ValueError(f"rule {key}: unknown activity kinds {unknown}")
    fact, plan, at = counts.get("fact"), counts.get("plan"), counts.get("at")
    if not enabled:
        # a fact the platform does not collect yet may be named, switched off
        return kinds, fact, plan, at
    if fact is None:
        if not kinds or subject not in ORG_SUBJECTS + ("member",):
            raise ValueError(
                f"rule {key}: counts needs activity_kinds (held by an organisation, or "
                f"attended by a member) or a fact ({', '.join(FACT_SUBJECTS)}); "
                "a rule counting anything else stays 'enabled: false'")
        return kinds, None, None, None
    if fact not in FACT_SUBJECTS:
        raise ValueError(f"rule {key}: the platform does not count the fact {fact!r} yet; "
                         f"use one of {', '.join(FACT_SUBJECTS)}, or set 'enabled: false'")
    if subject not in FACT_SUBJECTS[fact]:
        raise ValueError(f"rule {key}: {fact} counts for the subjects "
                         f"{', '.join(FACT_SUBJECTS[fact])}, not {subject}")
    if fact == PLAN_FILED and plan not in PLAN_KINDS:
        raise ValueError(f"rule {key}: plan_filed says which plan: 'plan: STUDY' or "
                         "'plan: MEETINGS'")
    if fact != PLAN_FILED and plan is not None:
        raise ValueError(f"rule {key}: only plan_filed takes 'plan'")
    if fact in (LECTURE_GIVEN, GUEST_AT):
        if at not in PLACES:
            raise ValueError(f"rule {key}: {fact} says where it counts: 'at: bureau' or "
                             "'at: contact_branch'")
    elif at is not None:
        raise ValueError(f"rule {key}: only lecture_given and guest_at take 'at'")
    if fact == GUEST_AT and not kinds:
        raise ValueError(f"rule {key}: guest_at says which activities count, e.g. "
                         "'activity_kinds: [ORG_LIFE_MEETING]'")
    if fact not in (GUEST_AT,) and kinds:
        raise ValueError(f"rule {key}: {fact} takes no activity_kinds")
    return kinds, fact, plan, at


def parse_rule_set(version):
    rules, seen = [], set()
    for i, raw in enumerate(version.body.get("rules") or []):
        if not isinstance(raw, dict):
            raise ValueError(f"rules[{i}]: must be a mapping with key, subject, period, counts")
        key = raw.get("key")
        if not key or key in seen:
            raise ValueError(f"rules[{i}]: needs a unique 'key'")
        seen.add(key)
        subject = raw.get("subject")
        if subject not in SUBJECTS:
            raise ValueError(f"rule {key}: subject must be one of {SUBJECTS}")
        period = raw.get("period")
        if period not in PERIOD_KINDS:
            raise ValueError(f"rule {key}: period must be one of {PERIOD_KINDS}")
        enabled = raw.get("enabled", True)
        kinds, fact, plan, at = _counts(key, subject, raw.get("counts") or {}, enabled)
        if fact in (PLAN_FILED, SELF_STUDY_PLAN_FILED) and period != YEAR and enabled:
            raise ValueError(f"rule {key}: a plan is filed for a year: use 'period: year'")
        due = _due(key, raw.get("due"), period)
        minimum = raw.get("minimum")
        if enabled and (isinstance(minimum, bool) or not isinstance(minimum, int)
                        or minimum < 1):
            raise ValueError(f"rule {key}: minimum must be a whole number of at least 1")
        rules.append(QuotaRule(key, str(raw.get("title", key)), subject, period, kinds,
                               minimum if isinstance(minimum, int) else None, bool(enabled),
                               fact, plan, at, due))
    return QuotaRuleSet(version.version, tuple(rules))


QUOTA_RULES = RuleSets("quota", parse_rule_set)
