"""Today, in the bureaus' time zone. ``XF_TODAY`` pins the date, so that a
test can run a service as if it were another day."""
import datetime as dt

from shared.config import env, timezone


def now():
    """The present moment, in UTC (what is stored)."""
    return dt.datetime.now(dt.timezone.utc)


def as_utc(moment):
    """A stored timestamp, which SQLite hands back without its zone, in UTC."""
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment


def today():
    pinned = env("XF_TODAY")
    if pinned:
        return dt.date.fromisoformat(pinned)
    return dt.datetime.now(timezone()).date()
