"""The organisation tree (City → bureau → bureau party committee → branch →
party group) and its members: what may be created where."""
import datetime as dt

from services.organization.domain.roles import clean_roles
from shared.errors import BadInput
from shared.periods import parse_date
from shared.vocabulary import BRANCH, GROUP, ORG_KINDS, PARENT_KIND

MAX_NAME = 100


def clean_name(name, field="name"):
    if not isinstance(name, str) or not name.strip():
        raise BadInput("a name is needed; it is empty", field)
    name = name.strip()
    if len(name) > MAX_NAME:
        raise BadInput(f"the name is {len(name)} characters; at most {MAX_NAME}", field)
    return name


def validate_org(kind, parent):
    """``parent`` is the parent's row (or None). Says what is allowed where."""
    if kind not in ORG_KINDS:
        raise BadInput(f"{kind!r} is not a kind of organisation; use one of "
                       + ", ".join(ORG_KINDS), "kind")
    wanted = PARENT_KIND[kind]
    if wanted is None:
        if parent is not None:
            raise BadInput("a city is the top of the tree and has no parent", "parentId")
        return
    if parent is None:
        raise BadInput(f"a {kind.lower()} sits under a {wanted.lower()}; give its parentId",
                       "parentId")
    if parent["kind"] != wanted:
        raise BadInput(f"a {kind.lower()} sits under a {wanted.lower()}, and "
                       f"{parent['name']} is a {parent['kind'].lower()}", "parentId")


def validate_member(data, branch, group, today):
    """``branch`` and ``group`` are the looked-up rows (group may be None).
    A wrong group may be another bureau's: the message names the branch the
    caller chose, never the group."""
    name = clean_name(data.get("name"))
    if branch["kind"] != BRANCH:
        raise BadInput(f"members belong to a branch; {branch['name']} is a "
                       f"{branch['kind'].lower()}", "branchId")
    if group is not None and (group["kind"] != GROUP or group["parent_id"] != branch["id"]):
        raise BadInput(f"not a party group of {branch['name']}", "groupId")
    roles = clean_roles(data.get("roles"))
    joined = data.get("joined_on")
    joined_on = parse_date(joined, "joinedOn") if joined else None
    if joined_on and joined_on > today:
        raise BadInput(f"{joined_on} is in the future (today is {today})", "joinedOn")
    return name, roles, joined_on


def path_ids(path):
    return [p for p in path.split("/") if p]


def member_on(memberships, day):
    """The membership row in force on ``day`` (None if none)."""
    for row in memberships:
        if (row["valid_from"] is None or row["valid_from"] <= day) and \
                (row["valid_to"] is None or day < row["valid_to"]):
            return row
    return None


def as_date(value):
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def validate_transfer(current, target, group, on, today):
    """A transfer (组织关系转接) of a member whose membership in force is
    ``current`` to the branch ``target`` (and optionally its party ``group``)
    from the day ``on``: the old membership ends the day before, the new one
    begins that day, and the history is kept."""
    if target["kind"] != BRANCH:
        raise BadInput(f"members belong to a branch; {target['name']} is a "
                       f"{target['kind'].lower()}", "branchId")
    if group is not None and (group["kind"] != GROUP or group["parent_id"] != target["id"]):
        raise BadInput(f"not a party group of {target['name']}", "groupId")
    if on > today:
        raise BadInput(f"{on} is in the future (today is {today}); record a transfer once "
                       "it has taken effect", "on")
    if current["valid_to"] is not None:
        raise BadInput("the member has left their last branch; there is nothing to transfer",
                       "memberId")
    if current["valid_from"] is not None and on <= current["valid_from"]:
        raise BadInput(f"the member joined their branch on {current['valid_from']}; a "
                       "transfer must take effect after that", "on")
    if current["branch_id"] == target["id"] and current["group_id"] == (group or {}).get("id"):
        raise BadInput("the member already belongs there", "branchId")


def republished_facts(orgs, people, branches, created_on):
    """The events that tell another service again what it keeps about a
    subtree (see ``views.subtree_facts`` for the arguments; ``created_on``
    gives an organisation's creation day): ``(event type, bureau id,
    payload)`` for every organisation, parents first; every member as they
    are now (``member_registered`` at their current branch); and, for a
    member who has moved, their last move (``member_transferred``), which
    corrects a copy that missed it. A consumer holding the fact already
    changes nothing."""
    facts = [("organization_created", o["bureau_id"], {
        "org_id": o["id"], "name": o["name"], "kind": o["kind"], "parent_id": o["parent_id"],
        "path": path_ids(o["path"]), "created_on": created_on(o).isoformat()})
        for o in orgs]
    moves = []
    for member, history in people:
        current = history[-1]
        bureau_id = branches[current["branch_id"]]["bureau_id"]
        joined_on = history[0]["valid_from"]
        facts.append(("member_registered", bureau_id, {
            "member_id": member["id"], "name": member["name"],
            "branch_id": current["branch_id"], "group_id": current["group_id"],
            "roles": list(member["roles"]),
            "joined_on": joined_on.isoformat() if joined_on else None}))
        if len(history) > 1:
            moves.append(("member_transferred", bureau_id, {
                "member_id": member["id"], "from_branch_id": history[-2]["branch_id"],
                "branch_id": current["branch_id"], "group_id": current["group_id"],
                "on": current["valid_from"].isoformat()}))
    return facts + moves
