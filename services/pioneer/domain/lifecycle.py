"""The lifecycle of a pioneer's title (时代先锋, SPEC V1-V3), pure: each
function takes the title as it stands, today, the rule set and the facts,
and answers the title as it becomes and the event that tells it, or
CONFLICT for a transition the programme does not have.

    NOMINATED  --decide-->  SELECTED (入选) or REJECTED (未入选)
    SELECTED   --a closed review above the threshold-->  RECTIFYING (限期整改),
                  rectify_by = the closing day + rectify_days
    RECTIFYING --a closed review at or below it, before rectify_by-->  SELECTED
    RECTIFYING --on rectify_by, by the platform itself-->  WITHDRAWN (摘牌)

A review closed on or after rectify_by finds the deadline passed first: the
title is withdrawn, as the sweep would have done that morning."""
import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from shared.errors import Conflict
from shared.vocabulary import (NOMINATED, RECTIFYING, REJECTED, SELECTED, TITLE_IN_FORCE,
                               WITHDRAWN)

# the events of shared/events.py that the steps raise
PIONEER_SELECTED = "pioneer_selected"
RECTIFICATION_ORDERED = "pioneer_rectification_ordered"
REINSTATED = "pioneer_reinstated"
PIONEER_WITHDRAWN = "pioneer_withdrawn"


@dataclass(frozen=True)
class Title:
    state: str
    selected_on: dt.date | None = None
    rectify_by: dt.date | None = None   # set while RECTIFYING (and kept once WITHDRAWN)


@dataclass(frozen=True)
class Tally:
    """One pioneer's ratings in one review: how many, and how many of them
    AVERAGE or POOR (一般 / 差)."""
    ratings: int
    average_or_worse: int

    @property
    def share(self):
        return self.average_or_worse / self.ratings if self.ratings else 0.0

    def above(self, threshold):
        """The share is above ``threshold`` (a Decimal), exactly: 3 of 10 is
        not above 0.30, whatever a float would make of it."""
        return self.ratings > 0 and Decimal(self.average_or_worse) > threshold * self.ratings


@dataclass(frozen=True)
class Step:
    title: Title
    event: str | None   # the event type the step raises, or None (nothing to tell)


def in_force(title):
    return title.state in TITLE_IN_FORCE


def decide(title, selected, today, field="id"):
    """The nomination decided: SELECTED today (pioneer_selected) or REJECTED."""
    if title.state != NOMINATED:
        raise Conflict(f"the pioneer is {title.state}; only a NOMINATED pioneer is "
                       "selected or rejected", field)
    if selected:
        return Step(Title(SELECTED, selected_on=today), PIONEER_SELECTED)
    return Step(Title(REJECTED), None)


def due(title, today):
    """The title is RECTIFYING and its deadline has come (today included)."""
    return title.state == RECTIFYING and title.rectify_by is not None \
        and title.rectify_by <= today


def withdraw(title, today, field="id"):
    """The title withdrawn (摘牌) on its deadline; only a RECTIFYING title
    whose rectify_by has come is withdrawn."""
    if title.state != RECTIFYING:
        raise Conflict(f"the pioneer is {title.state}; only a title under rectification "
                       "is withdrawn", field)
    if not due(title, today):
        raise Conflict(f"the rectification runs until {title.rectify_by.isoformat()}; the "
                       "title is withdrawn on that day, not before", field)
    return Step(replace(title, state=WITHDRAWN), PIONEER_WITHDRAWN)


def judge(title, tally, rules, today, field="pioneerId"):
    """The title after a review closed today with ``tally``, by ``rules``
    (PioneerRules): the deadline first, then the threshold. A title with no
    ratings in the review stays as it is."""
    if not in_force(title):
        raise Conflict(f"the pioneer is {title.state}; only a title in force (SELECTED or "
                       "RECTIFYING) is reviewed", field)
    if due(title, today):
        return withdraw(title, today, field)
    if tally.ratings == 0:
        return Step(title, None)
    if tally.above(rules.threshold):
        if title.state == SELECTED:
            return Step(replace(title, state=RECTIFYING,
                                rectify_by=today + dt.timedelta(days=rules.rectify_days)),
                        RECTIFICATION_ORDERED)
        return Step(title, None)   # still rectifying: the first deadline stands
    if title.state == RECTIFYING:
        return Step(replace(title, state=SELECTED, rectify_by=None), REINSTATED)
    return Step(title, None)


def check_ratable(title, selected_year, review_year, field="pioneerId"):
    """A pioneer may be rated in a review while its title is in force, when
    it was selected in the review's year or before."""
    if not in_force(title):
        raise Conflict(f"the pioneer is {title.state}; only a title in force (SELECTED or "
                       "RECTIFYING) is rated", field)
    if selected_year > review_year:
        raise Conflict(f"the pioneer was selected in {selected_year}, after the review's "
                       f"year {review_year}", field)


def check_mentor(titles, field="mentorId"):
    """A mentor (帮带) holds a SELECTED title; ``titles``: the states of the
    titles they hold."""
    if SELECTED in titles:
        return
    if RECTIFYING in titles:
        raise Conflict("the mentor's title is under rectification (限期整改); a mentor "
                       "holds a SELECTED title", field)
    raise Conflict("the mentor holds no pioneer title in force; a mentor holds a SELECTED "
                   "title", field)
