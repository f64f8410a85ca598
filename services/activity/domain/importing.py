"""Turning the rows of a spreadsheet (``sheet``) into activity inputs: the
organisations and members they name, found in what the organisation service
says of the import's subtree and of who belonged where on each day; the
inputs are then checked exactly like ``recordActivity``'s, and an error of
theirs is mapped back to the row and column it came from."""
import datetime as dt
import re

from services.activity.domain.sheet import (DAY, KIND, ORG, REASONS, STATUS_COLUMNS, THEME,
                                            RowError)
from shared.vocabulary import EXCUSED, PRESENT

# Which column a field of an activity input was read from.
_FIELD_COLUMNS = {"orgId": ORG, "kind": KIND, "theme": THEME, "heldOn": DAY}


# -- names ----------------------------------------------------------------------------

class Directory:
    """The organisation service's ``directory`` answer for the import's
    organisation: its subtree's organisations and members, by name."""

    def __init__(self, answer):
        self.root = answer["org"]
        self.orgs = {o["id"]: o for o in answer["orgs"]}
        self.orgs.setdefault(self.root["id"], self.root)
        self.member_ids_by_name = {}
        for person in answer["members"]:
            self.member_ids_by_name.setdefault(person["name"], []).append(person["id"])

    def _chain(self, org):
        """The names from the import's organisation down to ``org``."""
        return [self.orgs[i]["name"] for i in org["path"] if i in self.orgs]

    def org(self, name):
        """The organisation named ``name`` (or ``上级/名称``, a path of names)
        in the subtree, or raises ValueError with what is wrong."""
        parts = [p.strip() for p in name.split("/") if p.strip()]
        if not parts:
            raise ValueError("the organisation is empty")
        found = [o for o in self.orgs.values() if self._chain(o)[-len(parts):] == parts]
        if not found:
            raise ValueError(f"there is no organisation named {name} in {self.root['name']}")
        if len(found) > 1:
            paths = "; ".join(sorted("/".join(self._chain(o)) for o in found))
            raise ValueError(f"{len(found)} organisations in {self.root['name']} are named "
                             f"{name} ({paths}); write the path of names, e.g. "
                             f"{'/'.join(self._chain(found[0]))}")
        return found[0]

    def member_id(self, name, org, day, members_on_day):
        """The id of the member named ``name`` who belonged to ``org`` on
        ``day`` (``members_on_day`` from ``describe_for_activities``), or
        raises ValueError with what is wrong."""
        everyone = self.member_ids_by_name.get(name, [])
        there = [m for m in everyone if m in members_on_day]
        if len(there) == 1:
            return there[0]
        if there:
            raise ValueError(f"{len(there)} members named {name} belonged to {org['name']} on "
                             f"{day}; an import cannot tell them apart (record this activity "
                             "with recordActivity, which takes member ids)")
        if everyone:
            raise ValueError(f"{name} did not belong to {org['name']} on {day}")
        raise ValueError(f"nobody named {name} belongs to {self.root['name']}")


def locate(rows, directory):
    """Each row with its holding organisation: ``([(row, org)], errors)``."""
    located, errors = [], []
    for row in rows:
        try:
            located.append((row, directory.org(row.org_name)))
        except ValueError as err:
            errors.append(RowError(row.number, ORG, str(err)))
    return located, errors


def to_input(row, org, described, directory):
    """The activity input a row stands for (``record_activity``'s ``data``),
    given the organisation service's description of ``org`` on the day; or
    None and the row's errors."""
    if "error" in described:
        return None, [RowError(row.number, ORG, described["error"]["message"])]
    on_day = set(described["member_ids"])
    attendance, errors = [], []
    for status, name in row.names:
        try:
            member_id = directory.member_id(name, org, row.held_on, on_day)
        except ValueError as err:
            errors.append(RowError(row.number, STATUS_COLUMNS[status], str(err)))
            continue
        line = {"member_id": member_id, "status": status}
        if status == EXCUSED:
            line["reason"] = row.reasons.get(name)
        attendance.append(line)
    if errors:
        return None, errors
    return {"org_id": org["id"], "kind": row.kind, "theme": row.theme,
            "held_on": row.held_on.isoformat(), "attendance": attendance}, []


def column_of(field, data):
    """The column a field of ``data`` (an input ``to_input`` made) was read from."""
    if field in _FIELD_COLUMNS:
        return _FIELD_COLUMNS[field]
    match = re.match(r"^attendance\[(\d+)\](?:\.(\w+))?$", field or "")
    if match:
        if match.group(2) == "reason":
            return REASONS
        return STATUS_COLUMNS[data["attendance"][int(match.group(1))]["status"]]
    if field == "attendance":
        return STATUS_COLUMNS[PRESENT]
    return None


# -- the same activity twice ----------------------------------------------------------

def key_of(org_id, kind, held_on, theme):
    """What makes two records the same activity: who held it, what, when and on what theme."""
    return (org_id, kind, held_on.isoformat() if isinstance(held_on, dt.date) else held_on,
            theme)


def repeated(entries, recorded):
    """Errors for the rows (``[(row number, key_of(...))]``) that repeat an
    activity already recorded (``recorded``: a set of keys) or an earlier
    row: a file brought twice must not record a year twice."""
    errors, first = [], {}
    for number, key in entries:
        if key in recorded:
            errors.append(RowError(number, None, "this activity is already recorded (same "
                                   "organisation, kind, day and theme); remove the row, or "
                                   "give it its own theme if it is another activity"))
        elif key in first:
            errors.append(RowError(number, None, f"the same activity as row {first[key]} "
                                   "(same organisation, kind, day and theme)"))
        else:
            first[key] = number
    return errors
