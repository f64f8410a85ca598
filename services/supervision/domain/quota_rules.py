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
# judged by the role they hold on the day (局党委书记, 局党委委员, either;
# 县处级领导干部 county-level cadre).
ORG_SUBJECTS = ("branch", "group_or_branch", "committee", "committee_or_branch", "bureau")
ROLE_SUBJECTS = ("bureau_secretary", "committee_member", "bureau_leader", "county_cadre")
MEMBER_SUBJECTS = ("member",) + ROLE_SUBJECTS
SUBJECTS = ORG_SUBJECTS + MEMBER_SUBJECTS
SUBJECT_ORG_KINDS = {"branch": (BRANCH,), "committee": (COMMITTEE,),
                     "committee_or_branch": (COMMITTEE, BRANCH), "bureau": (BUREAU,)}
SUBJECT_ROLES = {"bureau_secretary": frozenset({"bureau_secretary"}),
                 "committee_member": frozenset({"bureau_committee"}),
                 "bureau_leader": frozenset({"bureau_committee", "bureau_secretary"}),
                 "county_cadre": frozenset({"county_cadre"})}
SECRETARY = "secretary"                          # 支部书记, of the member's branch
BUREAU_SECRETARY = "bureau_secretary"            # 局党委书记
COMMITTEE_LEADERS = SUBJECT_ROLES["bureau_leader"]
# The roles some quota judges by the day they are held on: the few members
# who ever held one are found by index (member_roles.leading), whatever the
# number of members.
LEADING_ROLES = frozenset().union(*SUBJECT_ROLES.values()) | {SECRETARY}

# The facts besides activities held that a rule may count, with the subjects
# each can count for.
PLAN_FILED = "plan_filed"                        # 年度计划备案 (annual plan)
SELF_STUDY_PLAN_FILED = "self_study_plan_filed"  # 自学备案
LECTURE_GIVEN = "lecture_given"                  # 讲党课: a PARTY_LECTURE by the subject
GUEST_AT = "guest_at"                            # attended as a guest (双重组织生活)
# members' practice (issue 8): each counts distinct things (a household, a
# member talked with, a pair, a talk, a pledge) once per subject and period
HOUSEHOLD_CONTACTED = "household_contacted"      # 党员联户: registered or visited
PAIRED_HOUSEHOLD_CONTACTED = "paired_household_contacted"  # 结对帮扶: in difficulty, paired
SECRETARY_TALKED_WITH_MEMBER = "secretary_talked_with_member"  # 谈心谈话, branch head
SECRETARY_TALKS_WITH_BUREAU_SECRETARY = "secretary_talks_with_bureau_secretary"
COMMITTEE_PAIR_TALKED = "committee_pair_talked"  # 局党委成员之间
PLEDGE_MADE = "pledge_made"                      # 亮诺
PARTY_SPIRIT_CHECKUP = "party_spirit_checkup"    # 党性教育体检: a check-up recorded
RECTIFICATION_CAMPAIGN = "rectification_campaign"  # 专项整改: a campaign item made
SURVEY_OPENED = "survey_opened"                  # 思想政治状况调查 opened (U7)
FACT_SUBJECTS = {
    PLAN_FILED: ("branch", "committee", "committee_or_branch"),
    SELF_STUDY_PLAN_FILED: ("member",),
    LECTURE_GIVEN: ROLE_SUBJECTS[:3],
    GUEST_AT: ROLE_SUBJECTS[:3],
    HOUSEHOLD_CONTACTED: ("member",),
    PAIRED_HOUSEHOLD_CONTACTED: ("county_cadre",),
    SECRETARY_TALKED_WITH_MEMBER: ("branch",),
    SECRETARY_TALKS_WITH_BUREAU_SECRETARY: ("branch",),
    COMMITTEE_PAIR_TALKED: ("committee",),
    PLEDGE_MADE: ("member",),
    PARTY_SPIRIT_CHECKUP: ("member",),
    RECTIFICATION_CAMPAIGN: ("branch",),
    SURVEY_OPENED: ("committee",),
}
PRACTICE_FACTS = (HOUSEHOLD_CONTACTED, PAIRED_HOUSEHOLD_CONTACTED,
                  SECRETARY_TALKED_WITH_MEMBER, SECRETARY_TALKS_WITH_BUREAU_SECRETARY,
                  COMMITTEE_PAIR_TALKED, PLEDGE_MADE)
# the facts whose things may be counted more than once before they count
# ('times'): the others are one thing per fact
REPEATABLE = (HOUSEHOLD_CONTACTED, PAIRED_HOUSEHOLD_CONTACTED, SECRETARY_TALKED_WITH_MEMBER,
              COMMITTEE_PAIR_TALKED)
# a minimum that depends on who is there on the judging day
EVERY_MEMBER = "every_member"  # the branch's members other than its secretary
EVERY_PAIR = "every_pair"      # the pairs of the committee's leaders
DYNAMIC = {EVERY_MEMBER: SECRETARY_TALKED_WITH_MEMBER, EVERY_PAIR: COMMITTEE_PAIR_TALKED}
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
    times: int = 1               # a thing counts once told this often (a pair's 2 talks)
    dynamic: str | None = None   # every_member | every_pair: minimum from the judging day

    @property
    def practice(self):
        return self.fact in PRACTICE_FACTS

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


def _times(key, fact, raw, enabled):
    if raw is None or not enabled:
        return 1
    if fact not in REPEATABLE:
        what = fact or "an activity rule"
        raise ValueError(f"rule {key}: only {', '.join(REPEATABLE)} take 'times' (how often "
                         f"a thing is told before it counts); {what} counts each fact once")
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise ValueError(f"rule {key}: times must be a whole number of at least 1, "
                         "e.g. 'times: 2' for a pair that talked twice")
    return raw


def _minimum(key, fact, subject, raw, enabled):
    """(minimum, dynamic): a whole number, or a name of a minimum that
    depends on who is there on the judging day."""
    if not enabled:
        return (raw if isinstance(raw, int) and not isinstance(raw, bool) else None), None
    if isinstance(raw, str):
        if raw not in DYNAMIC:
            raise ValueError(f"rule {key}: minimum {raw!r} is neither a whole number nor "
                             f"one of {', '.join(DYNAMIC)}")
        if fact != DYNAMIC[raw]:
            raise ValueError(f"rule {key}: minimum {raw} goes with "
                             f"'counts: {{fact: {DYNAMIC[raw]}}}' only, not {fact or 'activities'}")
        return None, raw
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise ValueError(f"rule {key}: minimum must be a whole number of at least 1")
    return raw, None


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
        if fact == PARTY_SPIRIT_CHECKUP and period != YEAR and enabled:
            raise ValueError(f"rule {key}: a check-up is for a year: use 'period: year'")
        if fact == RECTIFICATION_CAMPAIGN and period != YEAR and enabled:
            raise ValueError(f"rule {key}: a campaign is run in a year: use 'period: year'")
        if fact == SURVEY_OPENED and period != YEAR and enabled:
            raise ValueError(f"rule {key}: a survey is of a year: use 'period: year'")
        due = _due(key, raw.get("due"), period)
        minimum, dynamic = _minimum(key, fact, subject, raw.get("minimum"), enabled)
        times = _times(key, fact, (raw.get("counts") or {}).get("times"), enabled)
        rules.append(QuotaRule(key, str(raw.get("title", key)), subject, period, kinds,
                               minimum, bool(enabled), fact, plan, at, due, times, dynamic))
    return QuotaRuleSet(version.version, tuple(rules))


QUOTA_RULES = RuleSets("quota", parse_rule_set)
