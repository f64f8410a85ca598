"""Reports (U5): the monthly scheduling (月调度), the quarterly inspection
(季督查), the mid-year review (年中观摩) and the year-end report (年底述职), one
row per branch. What a row counts, as pure arithmetic on what was read:

- the quota results (MET, MISSED, PENDING) of every quota period within the
  report's (shared/periods.py ``Period.within``) whose subject lies in the
  branch: the branch itself, its party groups, and its members (a member's
  subject path is their branch's path and their id);
- the supervision items opened for those results (the items of those
  periods on the branch or its groups; a member's missed quota is its
  branch's item): ASSIGNED and REPORTED are open, CLOSED closed, ESCALATED
  escalated;
- the mean of the branch's members' points totals of the report's year
  (0.0 for a branch without members).

The tree has a fixed shape (city, bureau, committee, branch, group), so the
branch of anything is the fourth id of its stored path ("/city/bureau/
committee/branch/..."): one split of a string, never a query per result (a
city's year has some 300,000 results)."""
from dataclasses import dataclass, field

from shared.tree import ids_of
from shared.vocabulary import ASSIGNED, CLOSED, ESCALATED, MET, MISSED, PENDING, REPORTED

BRANCH_AT = 4  # "/city/bureau/committee/branch/...".split("/"): "", city, ...


def branch_of(path):
    """The branch at or above the place at ``path`` (an organisation's stored
    path, or a member subject's: their branch's and their id), or None for
    a place above every branch (a committee, a bureau)."""
    parts = path.split("/", BRANCH_AT + 1)
    return parts[BRANCH_AT] or None if len(parts) > BRANCH_AT else None


@dataclass
class Row:
    """A branch's line of a report."""
    org_id: str
    org_path: tuple
    quotas_met: int = 0
    quotas_missed: int = 0
    quotas_pending: int = 0
    items_open: int = 0
    items_closed: int = 0
    items_escalated: int = 0
    points: list = field(default_factory=list)

    @property
    def average_points(self):
        return round(sum(self.points) / len(self.points), 2) if self.points else 0.0

    def as_dict(self):
        return {"org_id": self.org_id, "org_path": list(self.org_path),
                "quotas_met": self.quotas_met, "quotas_missed": self.quotas_missed,
                "quotas_pending": self.quotas_pending, "items_open": self.items_open,
                "items_closed": self.items_closed, "items_escalated": self.items_escalated,
                "average_points": self.average_points}


_RESULT_FIELD = {MET: "quotas_met", MISSED: "quotas_missed", PENDING: "quotas_pending"}
_ITEM_FIELD = {ASSIGNED: "items_open", REPORTED: "items_open", CLOSED: "items_closed",
               ESCALATED: "items_escalated"}


def tally(branches, results, items, members, totals):
    """The rows, in the order of ``branches``.

    ``branches``: (branch id, path) of each row; ``results``: (status,
    subject path) of each quota result; ``items``: (state, organisation
    path, how many) of the items (paths as stored: "/city/.../"); ``members``: {branch id: [member
    ids]}; ``totals``: {member id: points total of the year} (a member
    scoring does not know has 0.0). Whatever lies outside every branch of
    the report is not counted; a state or status not named here neither."""
    rows = {branch_id: Row(branch_id, ids_of(path)) for branch_id, path in branches}
    for status, path in results:
        row = rows.get(branch_of(path))
        name = _RESULT_FIELD.get(status)
        if row is not None and name:
            setattr(row, name, getattr(row, name) + 1)
    for state, path, n in items:
        row = rows.get(branch_of(path))
        name = _ITEM_FIELD.get(state)
        if row is not None and name:
            setattr(row, name, getattr(row, name) + n)
    for branch_id, member_ids in members.items():
        if branch_id in rows:
            rows[branch_id].points = [float(totals.get(m, 0.0)) for m in member_ids]
    return list(rows.values())
