"""The activity service's rules, pure and unit-tested: ``activity`` decides
whether one record may be stored; ``sheet`` reads paper records brought as a
spreadsheet, and ``importing`` turns its rows into records."""
from services.activity.domain.activity import (
    BRANCH_KINDS, COMMITTEE_KINDS, MAX_GUESTS, MAX_REASON, MAX_THEME, ActivityDraft,
    AttendanceLine, allowed_org_kinds, validate_against_org, validate_input)

__all__ = ["BRANCH_KINDS", "COMMITTEE_KINDS", "MAX_GUESTS", "MAX_REASON", "MAX_THEME",
           "ActivityDraft", "AttendanceLine", "allowed_org_kinds", "validate_against_org", "validate_input"]
