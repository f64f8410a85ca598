"""The scoring service's rules, pure: member points and their caps
(points.py) and the running totals kept beside the ledger (totals.py)."""
from services.scoring.domain.points import (FLAGS, MEMBER_EVENTS, POINT_RULES, ROLES, Candidate,
                                            PointRule, PointRuleSet, Posting, YearTotals,
                                            candidates_for_activity,
                                            candidates_for_member_event, member_fact,
                                            parse_rule_set, post, room)

__all__ = ["FLAGS", "MEMBER_EVENTS", "POINT_RULES", "ROLES", "Candidate", "PointRule",
           "PointRuleSet", "Posting", "YearTotals", "candidates_for_activity",
           "candidates_for_member_event", "member_fact", "parse_rule_set", "post", "room"]
