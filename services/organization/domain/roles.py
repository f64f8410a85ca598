"""A member's roles through time (支部书记 this year, 支委 before) and the
branches a bureau committee member contacts (联系点).

Roles are kept as periods ``{roles, valid_from, valid_to}``, oldest first,
``valid_to`` exclusive and None on the period in force; a ``valid_from`` of
None means since before records began. A change appends: it closes the
period in force the day before ``on`` and opens one from ``on``."""
from shared.errors import BadInput, listing
from shared.vocabulary import BRANCH, COMMITTEE_ROLES, MEMBER_ROLES

# what ``role_change`` says to do
UNCHANGED, REPLACE, APPEND = "unchanged", "replace", "append"


def clean_roles(roles, field="roles"):
    """The roles as stored: known names, sorted, "member" always among them."""
    if roles is None:
        roles = []
    if not isinstance(roles, (list, tuple)) or not all(isinstance(r, str) for r in roles):
        raise BadInput("roles is a list of role names", field)
    unknown = [r for r in roles if r not in MEMBER_ROLES]
    if unknown:
        raise BadInput(f"unknown roles {listing(unknown)}; use {', '.join(MEMBER_ROLES)}",
                       field)
    return sorted(set(roles) | {"member"})


def _day(value):
    return None if value is None else str(value)


def roles_on(periods, day=None):
    """The roles held on ``day`` (a date or ISO text; None: today, i.e. the
    period in force). A day before the first period: the first period's."""
    if not periods:
        return None
    if day is None:
        return list(periods[-1]["roles"])
    day = _day(day)
    for period in periods:
        start, end = _day(period["valid_from"]), _day(period["valid_to"])
        if (start is None or start <= day) and (end is None or day < end):
            return list(period["roles"])
    first = periods[0]
    if first["valid_from"] is not None and day < _day(first["valid_from"]):
        return list(first["roles"])
    return list(periods[-1]["roles"])


def role_change(current, roles, on, today):
    """How to record ``roles`` from the day ``on``, given the period in
    force ``current``: UNCHANGED (the same roles), REPLACE (a second change
    the same day corrects the first) or APPEND. History only appends, so a
    day in the future or before the last change is BAD_INPUT."""
    if on > today:
        raise BadInput(f"{on} is in the future (today is {today}); set roles once they "
                       "have changed", "on")
    start = current["valid_from"]
    if start is not None and on < start:
        raise BadInput(f"the member's roles last changed on {start}; a change must take "
                       "effect on that day or after it", "on")
    if sorted(current["roles"]) == sorted(roles):
        return UNCHANGED
    return REPLACE if start == on else APPEND


def validate_contact(roles_today, member_bureau_id, branch):
    """A contact branch (联系点): the member holds a bureau committee role
    today and the branch is a branch of the member's own bureau. The
    messages name neither the member's bureau nor the branch."""
    if not set(roles_today) & set(COMMITTEE_ROLES):
        raise BadInput("only a bureau committee member (role bureau_committee or "
                       "bureau_secretary) contacts branches; this member holds neither role "
                       "today", "memberId")
    if branch["kind"] != BRANCH:
        raise BadInput(f"a contact point is a branch, not a {branch['kind'].lower()}",
                       "branchId")
    if branch["bureau_id"] != member_bureau_id:
        raise BadInput("a bureau committee member contacts branches of their own bureau; "
                       "this branch belongs to another", "branchId")
