"""The supervision service's rules, pure: quotas (quotas.py) and when
periods close (closing.py)."""
from services.supervision.domain.closing import current_periods, due_for_auto_close
from services.supervision.domain.quotas import (COUNTABLE_SUBJECTS, ORG_SUBJECTS, QUOTA_RULES,
                                                SUBJECTS, ActivityFact, Increment, Member, Org,
                                                QuotaResult, QuotaRule, QuotaRuleSet, count,
                                                counts_for, evaluate, increments,
                                                parse_rule_set, status, subjects,
                                                touched_subjects)

__all__ = ["COUNTABLE_SUBJECTS", "ORG_SUBJECTS", "QUOTA_RULES", "SUBJECTS", "ActivityFact",
           "Increment", "Member", "Org", "QuotaResult", "QuotaRule", "QuotaRuleSet", "count",
           "counts_for", "current_periods", "due_for_auto_close", "evaluate", "increments",
           "parse_rule_set", "status", "subjects", "touched_subjects"]
