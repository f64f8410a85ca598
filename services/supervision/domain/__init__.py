"""The supervision service's rules, pure: the quota rule set (quota_rules.py),
members' roles and contacts by day (people.py), counting quotas (quotas.py),
the members' practice quotas' marks and minimums (practice.py), when
periods and deadlines close (closing.py) and the branch rating (rating.py,
imported as its own module)."""
from services.supervision.domain.closing import (current_periods, due_deadlines,
                                                 due_for_auto_close)
from services.supervision.domain.people import SINCE_EVER, Member, role_history
from services.supervision.domain.quota_rules import (LEADING_ROLES, MEMBER_SUBJECTS,
                                                     ORG_SUBJECTS, QUOTA_RULES, ROLE_SUBJECTS,
                                                     SUBJECTS, QuotaRule, QuotaRuleSet,
                                                     parse_rule_set)
from services.supervision.domain import practice
from services.supervision.domain.quotas import (ActivityFact, CheckupFact, Increment, Org,
                                                PlanFact,
                                                QuotaResult, SelfStudyFact, count, counts_for,
                                                evaluate, increments, status, subjects,
                                                touched_subjects)

__all__ = ["practice",
           "LEADING_ROLES", "MEMBER_SUBJECTS", "ORG_SUBJECTS", "QUOTA_RULES", "ROLE_SUBJECTS",
           "SINCE_EVER", "SUBJECTS", "ActivityFact", "CheckupFact", "Increment", "Member", "Org", "PlanFact",
           "QuotaResult", "QuotaRule", "QuotaRuleSet", "SelfStudyFact", "count", "counts_for",
           "current_periods", "due_deadlines", "due_for_auto_close", "evaluate", "increments",
           "parse_rule_set", "role_history", "status", "subjects", "touched_subjects"]
