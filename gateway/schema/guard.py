"""Scope on every object: whatever a query reaches, however deep, is shown
only if it lies in the caller's subtree.

Checking the roots of a query is not enough: a member reached through an
activity, an organisation through a member's branch, a supervision item
through a list, each may belong elsewhere. So the check is tied to the
types, not to the resolvers: ``install`` wraps the resolver of every field
whose type is one of ``CHECKS``, and a value outside the caller's subtree
becomes one FORBIDDEN error at that field's path (and null there), whoever
wrote the resolver and however the value was reached. A new field of such a
type is checked without anyone remembering to.

Each check reads what the value already carries (an organisation's path, a
member's branch history with paths, an activity's holder's path), fetched by
the batched loaders: a check never asks a service.

A member is seen through the branch they belonged to on the day the query is
about (``as_of``: an activity's day for its attendees and speaker), else
today; their point entries, each through the branch of its own day. So after
a transfer, the old bureau still sees who came to its meetings, and the new
one sees the member, but neither sees what the member did in the other."""
from inspect import isawaitable

from graphql import (GraphQLList, GraphQLNonNull, GraphQLObjectType, default_field_resolver,
                     get_named_type)

from gateway.auth import ALL, forbidden

AS_OF = "as_of"
ON_DAY = "membership_on_day"


def membership_on(member, day=None):
    """The member's membership (branch id, branch path, group id) in force
    on ``day`` (an ISO date), or today's when ``day`` is None."""
    history = member.get("history")
    if not history:
        return {"branch_id": member["branch_id"], "branch_path": member["branch_path"],
                "group_id": member.get("group_id")}
    if day is None:
        return history[-1]  # transfers take effect on a past day or today, never later
    day = str(day)
    for entry in history:
        if (entry["valid_from"] is None or entry["valid_from"] <= day) and \
                (entry["valid_to"] is None or day < entry["valid_to"]):
            return entry
    # a day before the first membership began: judged by the first branch
    return history[0] if day < (history[0]["valid_from"] or "") else history[-1]


def sees_membership(principal, membership):
    """A party group's token sees the members assigned to its group."""
    return principal.sees(membership["branch_path"]) or \
        (membership.get("group_id") is not None and principal.scope == membership["group_id"])


def sees_member(principal, member, day=None):
    return principal.scope == ALL or sees_membership(principal, membership_on(member, day))


def is_own(principal, member_id):
    """A member's own token, on the member's own record ("(self)")."""
    return "member" in principal.roles and principal.sub == member_id


def as_of(member, day):
    """``member`` as seen on ``day``: their branch and visibility that day."""
    return {**member, AS_OF: day}


# What decides whether the caller sees a value of each type. Types not here
# are parts of a value that is checked (an activity's attendance lines, a
# member's points summary, a compliance answer of a checked organisation):
# CONTAINED says which, and tests/unit/test_scope.py fails on a type in neither.
CHECKS = {
    "Organization": lambda p, org: p.sees(org["path"]),
    "Member": lambda p, member: sees_member(p, member, member.get(AS_OF)),
    "Activity": lambda p, activity: p.sees(activity["org_path"]),
    "SupervisionItem": lambda p, item: p.sees(item["org_path"]),
    "QuotaResult": lambda p, result: p.sees(result["subject_path"]),
    "PointEntry": lambda p, entry: sees_membership(p, entry[ON_DAY]),
    "AnnualPlan": lambda p, plan: p.sees(plan["org_path"]),
    # a member sees their own proposals, plans and entries wherever they stand
    "ThemeProposal": lambda p, t: p.sees(t["org_path"]) or is_own(p, t["member_id"]),
    "SelfStudyPlan": lambda p, plan: p.sees(plan["branch_path"]) or is_own(p, plan["member_id"]),
    "SelfStudyEntry": lambda p, e: p.sees(e["branch_path"]) or is_own(p, e["member_id"]),
    "Talk": lambda p, talk: p.sees(talk["org_path"]),
    # a member sees the wish they claimed, whichever branch of the bureau posted it
    "Wish": lambda p, wish: p.sees(wish["branch_path"]) or is_own(p, wish.get("claimed_by")),
    # members' practice: through the member's branch (when registered, made)
    "Household": lambda p, h: p.sees(h["branch_path"]) or is_own(p, h["member_id"]),
    "HouseholdVisit": lambda p, v: p.sees(v["branch_path"]) or is_own(p, v["member_id"]),
    "Pledge": lambda p, pledge: p.sees(pledge["branch_path"]) or is_own(p, pledge["member_id"]),
    # 民主评议: through its branch; a member who just scored sees the answer
    "Appraisal": lambda p, a: p.sees(a["branch_path"]) or is_own(p, a.get("acting_member")),
    # 时代先锋: a title through the organisation it sits in, a review through its committee
    "Pioneer": lambda p, pioneer: p.sees(pioneer["org_path"]),
    "PioneerReview": lambda p, review: p.sees(review["committee_path"]),
    # 约谈提醒 through the organisation proposed; 负面清单 through its subject's
    # place (a branch's path, a committee member's branch's path and id)
    "ReminderProposal": lambda p, proposal: p.sees(proposal["org_path"]),
    "NegativeListEntry": lambda p, entry: p.sees(entry["subject_path"]),
    # 问题整改清单: through the branch or committee whose list it is
    "RectificationItem": lambda p, item: p.sees(item["org_path"]),
    # 思想政治状况调查: through its committee; a member who just answered sees it
    "Survey": lambda p, s: p.sees(s["committee_path"]) or is_own(p, s.get("answered_by")),
    # reports (U5): through the organisation reported on, a row through its branch
    "Report": lambda p, report: p.sees(report["org_path"]),
    "ReportRow": lambda p, row: p.sees(row["org_path"]),
}
CONTAINED = {
    "Attendance": "a line of a checked Activity; its member is checked as of the day",
    "PointsSummary": "a checked Member's; its entries are checked one by one",
    "CategoryPoints": "sums of the entries the caller sees",
    "Compliance": "answers for an organisation checked before the service is asked",
    "ActivityImport": "the outcome for an organisation checked before the service is asked",
    "RosterImport": "the outcome for an organisation checked before the service is asked",
    "RowError": "a row of the caller's own file",
    "PlanItem": "an item of a checked AnnualPlan",
    "Minutes": "a checked Activity's; its speakers are checked as members",
    "Checkup": "a member's, asked for once the member is checked; its member is checked "
               "as a Member",
    "CheckupScore": "a line of a Checkup",
    "CheckupIndicator": "of the post type of a member checked before the service is asked",
    "DimensionScore": "a score of a Checkup, or a sum of a Member checked before the "
                      "service is asked",
    "BranchRating": "a branch of an organisation checked before the service is asked; "
                    "its branch is checked as an Organization",
    "AppraisalResult": "a line of a checked Appraisal; its member is checked as a member",
    "AppraisalPartScore": "a part of an AppraisalResult",
    "DualRecord": "the counts of a Member checked before the service is asked",
    "PioneerReviewResult": "a line of a checked PioneerReview or of a checked Pioneer",
    "TalentPoolEntry": "an entry of an organisation checked before the service is asked; "
                       "its member and its pioneer are checked as such",
    "MentoringPair": "a pair of an organisation checked before the service is asked; "
                     "its mentor and mentee are checked as members",
    "ItemTransition": "an entry of a checked SupervisionItem's history",
}
NOUNS = {"Organization": "organisation", "Member": "member", "Activity": "activity",
         "SupervisionItem": "supervision item", "QuotaResult": "quota result",
         "PointEntry": "point entry", "AnnualPlan": "annual plan",
         "ThemeProposal": "theme proposal", "SelfStudyPlan": "self-study plan",
         "SelfStudyEntry": "self-study entry", "Talk": "talk", "Wish": "wish",
         "Household": "household", "HouseholdVisit": "household visit", "Pledge": "pledge",
         "Appraisal": "appraisal", "Pioneer": "pioneer", "PioneerReview": "pioneer review",
         "ReminderProposal": "reminder proposal", "NegativeListEntry": "negative-list entry",
         "RectificationItem": "rectification item", "Survey": "survey",
         "Report": "report", "ReportRow": "report row"}


def _seen(principal, check, value):
    try:
        return check(principal, value)
    except (KeyError, TypeError):
        return False  # a value that cannot say where it belongs is not shown


def judge(principal, type_name, value):
    """``value`` (or a list of them) if the caller sees it, else FORBIDDEN.
    The message names no object: the caller may not know it exists."""
    if value is None or principal.scope == ALL:
        return value
    check = CHECKS[type_name]
    noun = NOUNS.get(type_name, type_name)
    if isinstance(value, (list, tuple)):
        if not all(item is None or _seen(principal, check, item) for item in value):
            raise forbidden(f"this list holds a {noun} outside what you may see")
        return value
    if not _seen(principal, check, value):
        raise forbidden(f"this {noun} is outside what you may see")
    return value


async def _judged(principal, type_name, pending):
    return judge(principal, type_name, await pending)


def _guarded(resolve, type_name):
    def resolve_in_scope(root, info, **args):
        value = resolve(root, info, **args)
        principal = info.context.principal
        if isawaitable(value):
            return _judged(principal, type_name, value)
        return judge(principal, type_name, value)

    resolve_in_scope.scope_checked = type_name
    return resolve_in_scope


def _element_type(field_type):
    while isinstance(field_type, (GraphQLNonNull, GraphQLList)):
        field_type = field_type.of_type
    return field_type


def install(graphql_schema):
    """Wrap every field of the schema whose type (or list item type) is
    checked; returns the names of the fields wrapped, as ``Type.field``."""
    wrapped = []
    for type_ in graphql_schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            target = get_named_type(_element_type(field.type))
            if target.name not in CHECKS or getattr(field.resolve, "scope_checked", None):
                continue
            field.resolve = _guarded(field.resolve or default_field_resolver, target.name)
            wrapped.append(f"{type_.name}.{name}")
    return wrapped
