"""What a nomination (提名) of a pioneer of the era must be (SPEC V1), pure:
an individual (个人) names its holder, a member; a post (岗位) or a unit
(单位) names where it sits and, when known, its head (负责人) as holder. The
organisation is a committee or below; the holder belongs today to a branch
of its subtree."""
from dataclasses import dataclass

from services.pioneer.domain.review import year_up_to
from shared.errors import BadInput
from shared.vocabulary import BUREAU, CITY, GROUP, INDIVIDUAL, PIONEER_CATEGORIES

MAX_NAME = 100
MAX_CITATION = 2000
COMMITTEE_DEPTH = 3   # [city, bureau, committee, ...]: the committee is path[2]


@dataclass(frozen=True)
class Nomination:
    category: str
    name: str
    org_id: str
    holder_id: str | None
    citation: str
    year: int


def _text(value, field, what, limit):
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"{what} is needed: 1 to {limit} characters", field)
    value = value.strip()
    if len(value) > limit:
        raise BadInput(f"{what} has {len(value)} characters; at most {limit}", field)
    return value


def validate(data, this_year):
    """The nomination ``data`` gives ({category, name, org_id, holder_id,
    citation, year}), checked for what needs no one else's knowledge."""
    if not isinstance(data, dict):
        raise BadInput("a nomination is {category, name, orgId, holderId, citation, year}",
                       "input")
    category = data.get("category")
    if category not in PIONEER_CATEGORIES:
        raise BadInput(f"{category!r} is not a category; one of "
                       f"{', '.join(PIONEER_CATEGORIES)}", "category")
    name = _text(data.get("name"), "name", "the name of the person, post or unit", MAX_NAME)
    citation = _text(data.get("citation"), "citation", "the citation (事迹)", MAX_CITATION)
    year = year_up_to(data.get("year"), this_year, "nominated for")
    org_id = data.get("org_id")
    if not isinstance(org_id, str) or not org_id:
        raise BadInput("the organisation where the pioneer sits is needed", "orgId")
    holder_id = data.get("holder_id")
    if holder_id is not None and (not isinstance(holder_id, str) or not holder_id):
        raise BadInput("a holder is a member id, or none", "holderId")
    if category == INDIVIDUAL and holder_id is None:
        raise BadInput("an INDIVIDUAL pioneer names its holder, the member nominated",
                       "holderId")
    return Nomination(category, name, org_id, holder_id, citation, year)


def committee_of(org):
    """The committee (局党委) whose reviews judge a pioneer of ``org`` (the
    organisation service's dict): a committee or an organisation below it."""
    if org["kind"] in (CITY, BUREAU) or len(org["path"]) < COMMITTEE_DEPTH:
        raise BadInput(f"a pioneer sits in a committee, a branch or a party group; "
                       f"{org['id']} is a {org['kind']}", "orgId")
    return org["path"][COMMITTEE_DEPTH - 1]


def branch_today(member, today):
    """(branch path, group id) of the member's membership in force today, or
    None when they belong to no branch today."""
    day = today.isoformat()
    for period in reversed(member.get("history") or []):
        starts, ends = period.get("valid_from"), period.get("valid_to")
        if (starts is None or starts <= day) and (ends is None or ends > day):
            return list(period["branch_path"]), period.get("group_id")
    return None


def check_holder(org, member, today):
    """The holder (``member``, the organisation service's dict, or None when
    there is none) belongs today to a branch in the subtree of ``org`` (for a
    party group: to the group)."""
    if member is None:
        raise BadInput("there is no such member; the holder is a member of the "
                       "organisation nominated", "holderId")
    where = branch_today(member, today)
    if where is not None:
        branch_path, group_id = where
        if org["kind"] == GROUP:
            if group_id == org["id"]:
                return
        elif branch_path[:len(org["path"])] == list(org["path"]):
            return
    raise BadInput(f"{member['id']} does not belong today to {org['name']} or an "
                   "organisation below it; the holder is one of its members", "holderId")
