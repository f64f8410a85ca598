"""Pioneer titles withdrawn (摘牌, spec V3), pure: what supervision keeps of a
pioneer_withdrawn event, and the note of the one item (督办) a committee gets
for its year's withdrawals.

A committee whose pioneer loses the title is followed up once a year: the
first withdrawal of the year opens an item of rule ``V3`` on the committee
for the year of the withdrawal, and every withdrawal of that committee and
year is named in its note, in the order they happened."""
import datetime as dt
from dataclasses import dataclass

from shared.errors import PoisonMessage

WITHDRAWAL_RULE = "V3"
NOTE_OPENING = "Pioneer titles withdrawn (摘牌): "
NAME_SEPARATOR = "; "


@dataclass(frozen=True)
class Withdrawal:
    pioneer_id: str
    bureau_id: str
    committee_id: str
    on: dt.date
    name: str

    @property
    def year(self):
        return self.on.year

    @property
    def period(self):
        """The item's period: the year label, as a yearly quota's."""
        return f"{self.year:04d}"


def from_payload(payload, bureau_id):
    """The withdrawal a pioneer_withdrawn payload tells; PoisonMessage when
    its committee or day cannot be read (no retry mends it)."""
    committee_id = payload["committee_id"]
    path = payload.get("org_path") or []
    if not committee_id or (len(path) > 2 and path[2] != committee_id):
        raise PoisonMessage(f"pioneer_withdrawn: committee_id {committee_id!r} is not the "
                            f"committee of org_path {path!r}")
    try:
        on = dt.date.fromisoformat(payload["on"])
    except (TypeError, ValueError):
        raise PoisonMessage(f"pioneer_withdrawn: 'on' must be a day YYYY-MM-DD, not "
                            f"{payload['on']!r}") from None
    return Withdrawal(str(payload["pioneer_id"]), bureau_id, committee_id, on,
                      str(payload["name"]).strip())


def note(names):
    """The item's note naming the titles withdrawn, in the order given."""
    return NOTE_OPENING + NAME_SEPARATOR.join(names)
