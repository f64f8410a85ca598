"""Commands of the annual review (考核评议, V2 and V3): open a committee's
review of a year, rate a pioneer in it, close it. Closing freezes each rated
pioneer's result and applies the bureau's rule set in force that day to its
title (domain/lifecycle.py ``judge``).

A rating and the closing take turns on the review's row: a rating moves
``updated_at`` only while the review is open, the closing sets
``closed_on`` only while it is open, so on either backend a rating is
counted before the results are frozen, or refused (CONFLICT)."""
import uuid

from sqlalchemy import insert, select, update

from services.pioneer import views
from services.pioneer.domain import lifecycle
from services.pioneer.domain.review import validate_rating, year_up_to
from services.pioneer.domain.rules import PIONEER_RULES
from services.pioneer.models import pioneers, ratings, results, reviews
from services.pioneer.title_handlers import apply, title_of
from shared import clock
from shared.db import conflict_insert
from shared.errors import BadInput, Conflict, Unavailable
from shared.rules import NoValidRuleSet
from shared.tree import path_of
from shared.vocabulary import COMMITTEE

CLOSED = "the review is closed and its results are frozen; open a new review to rate again"


def open_review(db, committee_id, year, actor, org_of, request=None):
    """The committee's open review of ``year``: the one open now, or a new
    one (after a closed one, the re-review)."""
    year = year_up_to(year, clock.today().year, "reviewed")
    committee = org_of(committee_id, "committeeId")
    if committee["kind"] != COMMITTEE:
        raise BadInput(f"a review is of a committee (局党委); {committee['id']} is a "
                       f"{committee['kind']}", "committeeId")
    now = clock.now()
    with db.uow(request) as uow:
        session = uow.session
        # the partial unique index uq_pioneer_review_open keeps one open
        session.execute(conflict_insert(session, reviews).on_conflict_do_nothing().values(
            id=uuid.uuid4().hex, committee_id=committee["id"],
            committee_path=path_of(committee["path"]), bureau_id=committee["bureau_id"],
            year=year, opened_by=str(actor), opened_at=now, updated_at=now))
        row = views.open_review_row(session, committee["id"], year)
        if row is None:
            raise Conflict("the open review was closed just now; open again for a "
                           "re-review", "committeeId")
        return uow.answer(views.review_dict(session, row))


def rate(db, data, actor, request=None):
    """One more rating of a pioneer in an open review (anonymous: a count)."""
    draft = validate_rating(data)
    with db.uow(request) as uow:
        session = uow.session
        row = views.review_row(session, draft.review_id)
        still_open = session.execute(update(reviews).where(
            reviews.c.id == row["id"], reviews.c.closed_on.is_(None))
            .values(updated_at=clock.now())).rowcount
        if still_open != 1:
            raise Conflict(CLOSED, "reviewId")
        pioneer = views.pioneer_row(session, draft.pioneer_id, field="pioneerId")
        if pioneer["committee_id"] != row["committee_id"]:
            raise BadInput(f"{pioneer['name']} is not a pioneer of the committee reviewed",
                           "pioneerId")
        lifecycle.check_ratable(title_of(pioneer), pioneer["year"], row["year"])
        statement = conflict_insert(session, ratings)
        session.execute(statement.on_conflict_do_update(
            index_elements=["review_id", "pioneer_id", "rater_kind", "rating"],
            set_={"count": ratings.c.count + 1}).values(
            review_id=row["id"], pioneer_id=pioneer["id"], rater_kind=draft.rater_kind,
            rating=draft.rating, count=1))
        return uow.answer(views.review_dict(session, views.review_row(session, row["id"])))


def rules_for(bureau_id, day):
    try:
        return PIONEER_RULES.for_day(bureau_id, day)
    except NoValidRuleSet:
        raise Unavailable("the bureau's pioneer rule set is broken and no good copy is "
                          "known; an operator must fix its file first") from None


def close_review(db, review_id, actor, request=None):
    """The review closed today: each rated pioneer's result frozen and its
    title judged (pioneer_rectification_ordered, pioneer_reinstated or
    pioneer_withdrawn). Closing a closed review is CONFLICT."""
    today = clock.today()
    with db.connect() as conn:
        row = views.review_row(conn, review_id, field="id")
    if row["closed_on"] is not None:
        raise Conflict(f"the review was closed on {row['closed_on'].isoformat()}", "id")
    rule_set = rules_for(row["bureau_id"], today)
    with db.uow(request) as uow:
        session = uow.session
        turned = session.execute(update(reviews).where(
            reviews.c.id == row["id"], reviews.c.closed_on.is_(None)).values(
            closed_on=today, closed_by=str(actor), rule_set_version=rule_set.version,
            updated_at=clock.now())).rowcount
        if turned != 1:
            raise Conflict("the review was closed meanwhile", "id")
        counted = views.tallies(session, row["id"])
        rated = session.execute(select(pioneers).where(pioneers.c.id.in_(sorted(counted)))
                                .order_by(pioneers.c.id).with_for_update()).mappings().all() \
            if counted else []
        frozen = []
        for pioneer in rated:
            tally, title = counted[pioneer["id"]], title_of(pioneer)
            step = lifecycle.judge(title, tally, rule_set, today) \
                if lifecycle.in_force(title) else lifecycle.Step(title, None)
            apply(uow, pioneer, step, today, review_id=row["id"], share=tally.share)
            frozen.append({"review_id": row["id"], "pioneer_id": pioneer["id"],
                           "year": row["year"], "ratings": tally.ratings,
                           "average_or_worse": tally.average_or_worse,
                           "share": round(tally.share, 5), "closed_on": today,
                           "from_state": title.state, "to_state": step.title.state})
        if frozen:
            session.execute(insert(results), frozen)
        return uow.answer(views.review_dict(session, views.review_row(session, row["id"])))
