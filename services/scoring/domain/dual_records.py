"""Dual records (双记实) of cadres and members: what each member did in a
year, counted from the facts the scoring service learns from events. Pure:
the handlers add what these functions count to per-member-year counters
(``dual_record_counts``) in the unit of work of the event, so an event
costs the same however long the history, and a redelivered event (the
same id) is counted once, as its points are.

Which fact counts where, per member and the year of the fact's day:

- ``activity_days`` (党员集中活动日): present at an ACTIVITY_DAY, in the
  attendance or as a guest (a guest took part, as for points);
- ``org_life_meetings`` (组织生活): present in the holder's own attendance
  at a GENERAL_MEETING, COMMITTEE_MEETING, GROUP_MEETING, PARTY_LECTURE or
  ORG_LIFE_MEETING (a guest is not in the holder's attendance);
- ``dual_org_life`` (双重组织生活): a guest at one of those kinds held by a
  branch the member contacts (联系点, assigned on or before the day), or by
  a party group of it. Only bureau committee members contact branches, so
  it is a cadre's count; it is counted whatever the member's roles;
- ``democratic_life_meetings`` (民主生活会): present or a guest at a
  DEMOCRATIC_LIFE_MEETING;
- ``grassroots_visits`` (联户 and 联系点): a household visited
  (household_visited), and any activity attended as a guest at a branch
  the member contacts;
- ``dues_months_paid`` (缴纳党费): a month's dues recorded, in the year of
  the month;
- ``volunteer_services`` (志愿服务): present or a guest at a
  VOLUNTEER_SERVICE.

A member listed twice in one activity counts once per counter. Absent
and excused members count nowhere.

Contacts are known from ``contact_branch_assigned``. The queue scoring
takes them from exists once a service of this version has declared the
topology (shared/topology.py): an assignment told before the upgrade went
to no scoring queue and is not replayed (tools/republish.py does not tell
contacts), and no event is counted again. An activity counted before its
contact arrived (the two come by different queues) stays counted without it.

``cadre`` (领导干部): a CADRE_ROLES role held on Dec 31 of the year, or
today for the current year (``cadre_day``)."""
import datetime as dt

from shared.vocabulary import (ACTIVITY_DAY, CADRE_ROLES, COMMITTEE_MEETING,
                               DEMOCRATIC_LIFE_MEETING, GENERAL_MEETING, GROUP_MEETING,
                               ORG_LIFE_MEETING, PARTY_LECTURE, PRESENT, VOLUNTEER_SERVICE)

ACTIVITY_DAYS = "activity_days"
ORG_LIFE_MEETINGS = "org_life_meetings"
DUAL_ORG_LIFE = "dual_org_life"
DEMOCRATIC_LIFE_MEETINGS = "democratic_life_meetings"
GRASSROOTS_VISITS = "grassroots_visits"
DUES_MONTHS_PAID = "dues_months_paid"
VOLUNTEER_SERVICES = "volunteer_services"
COUNTERS = (ACTIVITY_DAYS, ORG_LIFE_MEETINGS, DUAL_ORG_LIFE, DEMOCRATIC_LIFE_MEETINGS,
            GRASSROOTS_VISITS, DUES_MONTHS_PAID, VOLUNTEER_SERVICES)

# 三会一课 and the organisational life meeting: the organisational life (组织生活)
ORG_LIFE_KINDS = (GENERAL_MEETING, COMMITTEE_MEETING, GROUP_MEETING, PARTY_LECTURE,
                  ORG_LIFE_MEETING)
# the kinds a member counts at whether in the attendance or a guest
TAKING_PART = {ACTIVITY_DAY: ACTIVITY_DAYS, DEMOCRATIC_LIFE_MEETING: DEMOCRATIC_LIFE_MEETINGS,
               VOLUNTEER_SERVICE: VOLUNTEER_SERVICES}


def _path(ids):
    return tuple(p for p in ids.split("/") if p) if isinstance(ids, str) else tuple(ids)


def contacts_on(contacts, org_path, day):
    """Whether one of ``contacts`` ([(branch path, from day)]) is the branch
    holding an activity at ``org_path`` (the branch or a group below it),
    assigned on or before ``day``."""
    held = _path(org_path)
    for branch_path, since in contacts:
        branch = _path(branch_path)
        if since <= day and held[:len(branch)] == branch:
            return True
    return False


def activity_counts(activity, contacts_of):
    """``{(member id, counter): 1}`` an ``activity_recorded`` payload adds,
    in the year of its day. ``contacts_of(member id)``: the member's
    contacts as ``contacts_on`` takes them (only guests are asked)."""
    kind = activity["kind"]
    day = dt.date.fromisoformat(activity["held_on"])
    out = {}
    present = {a["member_id"] for a in activity.get("attendance") or ()
               if a.get("status") == PRESENT}
    guests = set(activity.get("guest_ids") or ()) - present
    for member_id in present:
        if kind in TAKING_PART:
            out[(member_id, TAKING_PART[kind])] = 1
        if kind in ORG_LIFE_KINDS:
            out[(member_id, ORG_LIFE_MEETINGS)] = 1
    for member_id in guests:
        if kind in TAKING_PART:
            out[(member_id, TAKING_PART[kind])] = 1
        if contacts_on(contacts_of(member_id), activity["org_path"], day):
            out[(member_id, GRASSROOTS_VISITS)] = 1
            if kind in ORG_LIFE_KINDS:
                out[(member_id, DUAL_ORG_LIFE)] = 1
    return out


def visit_counts(member_id):
    """What a household visit (household_visited) adds: one grassroots visit."""
    return {(member_id, GRASSROOTS_VISITS): 1}


def dues_counts(member_id):
    """What a month's dues add: one month paid."""
    return {(member_id, DUES_MONTHS_PAID): 1}


def cadre_day(year, today):
    """The day whose roles decide whether a member is a cadre for ``year``:
    Dec 31 of a year gone by, today for the current year (and a year to
    come)."""
    return min(dt.date(year, 12, 31), today)


def is_cadre(roles):
    return any(role in CADRE_ROLES for role in roles or ())


def record(counts, cadre):
    """The dual record's numbers from the stored ``counts`` ({counter:
    n}), with 0 for a counter never counted."""
    return {"cadre": bool(cadre), **{c: int(counts.get(c, 0)) for c in COUNTERS}}
