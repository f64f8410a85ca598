"""A roster (花名册) brought as a spreadsheet: who belongs to which branch of
the import's subtree, with their roles. Pure: the file's bytes, what the
subtree holds (``Directory``) and today in; the members to register, the
role changes and every bad row (``RowError``, the sheet's row number and the
column's header) out. The file itself is read by shared/sheet.py."""
import datetime as dt
from dataclasses import dataclass

from shared import sheet
from shared.errors import BadInput
from shared.sheet import RowError
from shared.vocabulary import BRANCH, GROUP, MEMBER_ROLES, ROLE_TITLES

MAX_ROWS = 20_000  # a bureau is a few thousand members; a city is cut by bureau
MAX_NAME = 100

NAME, BRANCH_NAME, GROUP_NAME = "姓名", "支部", "党小组"
ROLES = "职务"
TRANSFERRED_IN, JOINED_PARTY = "转入日期", "入党日期"  # the second may stand for the first
REQUIRED = (NAME, BRANCH_NAME)
OPTIONAL = (GROUP_NAME, ROLES, TRANSFERRED_IN, JOINED_PARTY)


@dataclass(frozen=True)
class NewMember:
    row: int
    name: str
    branch: dict
    group: dict | None
    roles: list
    joined_on: dt.date | None


@dataclass(frozen=True)
class RoleChange:
    row: int
    member_id: str
    branch: dict
    roles: list


class Directory:
    """The import's subtree as the organisation service holds it:
    ``orgs`` (dicts with id, name, kind, parent_id, bureau_id, path) and
    ``members``, today's members of its branches (dicts with id, name,
    branch_id, roles)."""

    def __init__(self, orgs, members):
        self.branches_by_name = {}
        self.groups = {}
        for org in orgs:
            if org["kind"] == BRANCH:
                self.branches_by_name.setdefault(org["name"], []).append(org)
            elif org["kind"] == GROUP:
                self.groups[(org["parent_id"], org["name"])] = org
        self.members = {}
        for person in members:
            self.members.setdefault((person["branch_id"], person["name"]), []).append(person)

    def branch(self, name):
        found = self.branches_by_name.get(name, [])
        if not found:
            raise ValueError(f"there is no branch named {name} in this organisation; check "
                             "the name against the organisation tree")
        if len(found) > 1:
            raise ValueError(f"{len(found)} branches in this organisation are named {name}; "
                             "import the roster from the committee of the one you mean")
        return found[0]


def parse_roles(value):
    """``(roles, unknown)``: the role names of a 职务 cell (names or Chinese
    titles, separated by , or 、), "member" always among them; ``unknown``
    lists what is neither. An empty cell gives no roles (None)."""
    parts = sheet.split_names(value)
    if not parts:
        return None, []
    roles, unknown = {"member"}, []
    for part in parts:
        role = ROLE_TITLES.get(part) or (part.lower() if part.lower() in MEMBER_ROLES else None)
        if role is None:
            unknown.append(part)
        else:
            roles.add(role)
    return sorted(roles), unknown


def _roles_hint():
    return "、".join(ROLE_TITLES) + " (or " + ", ".join(MEMBER_ROLES) + ")"


def header_errors(columns, twice):
    errors = [RowError(1, column, f"the header (row 1) has no column {column}; a roster needs "
                       f"{' '.join(REQUIRED)} (and optionally {' '.join(OPTIONAL[:3])})")
              for column in REQUIRED if column not in columns]
    errors += [RowError(1, column, f"the header (row 1) has the column {column} twice")
               for column in twice]
    return errors


def read_roster(content, directory, today):
    """``(new members, role changes, errors)`` from the file's bytes; when
    ``errors`` is not empty nothing may be written. BadInput when the file
    is not a spreadsheet or holds no data row."""
    table = sheet.read_table(content, MAX_ROWS, REQUIRED)
    header, data = table[0][1], [(n, v) for n, v in table[1:] if not sheet.is_blank(v)]
    if not data:
        raise BadInput("the roster has no members: below the header (row 1) there is no "
                       "row", "file")
    columns, twice = sheet.header_columns(header, REQUIRED + OPTIONAL)
    errors = header_errors(columns, twice)
    if errors:
        return [], [], errors
    day_column = TRANSFERRED_IN if TRANSFERRED_IN in columns else JOINED_PARTY
    new, changes, seen = [], [], {}
    for number, values in data:
        outcome, row_errors = _read_row(number, sheet.cell_of(values, columns), day_column,
                                        directory, today, seen)
        errors += row_errors
        if isinstance(outcome, NewMember):
            new.append(outcome)
        elif isinstance(outcome, RoleChange):
            changes.append(outcome)
    return new, changes, errors


def _read_row(number, cell, day_column, directory, today, seen):
    """One row: a NewMember, a RoleChange or None (nothing to do), and its errors."""
    errors = []

    def bad(column, message):
        errors.append(RowError(number, column, message))

    name = sheet.text(cell(NAME))
    if not name:
        bad(NAME, "the name is empty; every row is one member")
    elif len(name) > MAX_NAME:
        bad(NAME, f"the name is {len(name)} characters; at most {MAX_NAME}")
    branch_name = sheet.text(cell(BRANCH_NAME))
    branch = None
    if not branch_name:
        bad(BRANCH_NAME, "the branch is empty; name the member's branch")
    else:
        try:
            branch = directory.branch(branch_name)
        except ValueError as err:
            bad(BRANCH_NAME, str(err))
    group = None
    group_name = sheet.text(cell(GROUP_NAME))
    if group_name and branch is not None:
        group = directory.groups.get((branch["id"], group_name))
        if group is None:
            bad(GROUP_NAME, f"{branch_name} has no party group named {group_name}")
    roles, unknown = parse_roles(cell(ROLES))
    if unknown:
        bad(ROLES, f"unknown {'title' if len(unknown) == 1 else 'titles'} "
                   f"{'、'.join(unknown)}; use {_roles_hint()}")
    joined_on = None
    if sheet.text(cell(day_column)):
        try:
            joined_on = sheet.parse_day(cell(day_column))
            if joined_on > today:
                bad(day_column, f"{joined_on} is in the future (today is {today})")
        except ValueError as err:
            bad(day_column, str(err))
    if name and branch is not None:
        key = (branch["id"], name)
        if key in seen:
            bad(NAME, f"{name} of {branch_name} is on row {seen[key]} already; list each "
                      "member once")
        else:
            seen[key] = number
    if errors:
        return None, errors
    existing = directory.members.get((branch["id"], name), [])
    if len(existing) > 1:
        return None, [RowError(number, NAME, f"{len(existing)} members of {branch_name} are "
                                             f"named {name}; set their roles one by one")]
    if existing:
        current = existing[0]
        if roles is None or sorted(current["roles"]) == roles:
            return None, []
        return RoleChange(number, current["id"], branch, roles), []
    return NewMember(number, name, branch, group, roles or ["member"], joined_on), []
