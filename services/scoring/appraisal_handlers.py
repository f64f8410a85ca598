"""Commands of the democratic appraisal (民主评议党员): open a branch's
appraisal for a year, score it, finalize it. Each is one unit of work; what
the organisation service knows (the branch, its members today) is asked
once, before it, and no connection is held while it answers.

A score and the finalizing take turns on the appraisal's row: a score moves
``updated_at`` only while the appraisal is OPEN, finalizing turns it
FINALIZED only while it is OPEN, so on either backend a score is written
before the results are worked out, or refused (CONFLICT). Two scores of one
rater, member and part cannot both be written: the unique constraint
uq_appraisal_score_per_rater refuses the second (CONFLICT), however close
together they come."""
import uuid

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from services.scoring import appraisal_views as views
from services.scoring.domain import appraisal as rules
from services.scoring.models import appraisal_results, appraisal_scores, appraisals
from shared import clock
from shared.db import conflict_insert
from shared.errors import BadInput, Conflict
from shared.periods import parse_year
from shared.tree import ids_of, path_of
from shared.vocabulary import BRANCH

FROZEN = ("the appraisal is finalized and reported to the bureau; its scores are frozen "
          "(报局党委备案)")


def appraisal_year(year):
    """A year that can be appraised: a valid one, not after the current one."""
    year = parse_year(year)
    this_year = clock.today().year
    if year > this_year:
        raise BadInput(f"{year} has not begun; a year up to {this_year} can be appraised",
                       "year")
    return year


def open_appraisal(db, branch, year, actor, members_of, request=None):
    """The branch's appraisal of ``year``, opened now or before (idempotent:
    the same appraisal, in whatever state it is). ``branch``: the
    organisation service's dict of it."""
    year = appraisal_year(year)
    if branch["kind"] != BRANCH:
        raise BadInput(f"an appraisal is of a branch; {branch['id']} is a {branch['kind']}",
                       "branchId")
    members = members_of(branch["id"])
    now = clock.now()
    with db.uow(request) as uow:
        session = uow.session
        session.execute(conflict_insert(session, appraisals).on_conflict_do_nothing(
            index_elements=["branch_id", "year"]).values(
            id=uuid.uuid4().hex, branch_id=branch["id"], branch_path=path_of(branch["path"]),
            bureau_id=branch["bureau_id"], year=year, state=rules.OPEN, opened_by=str(actor),
            opened_at=now, updated_at=now))
        row = views.row_for(session, branch["id"], year)
        return uow.answer(_answer(session, row, members))


def _answer(session, row, members):
    if row["state"] == rules.FINALIZED:
        return views.appraisal_dict(row, views.frozen_results(session, row["id"]))
    return views.appraisal_dict(row, [views.result_dict(r) for r in
                                      views.live_results(session, row, members)])


def score_appraisal(db, data, actor, members_of, request=None):
    """The appraisal with one more score, or BAD_INPUT / CONFLICT and
    nothing written. ``data``: {appraisal_id, member_id, part, rater_id,
    score}; who may give it is the gateway's to judge."""
    if not isinstance(data, dict):
        raise BadInput("a score is {appraisalId, memberId, part, raterId, score}", "input")
    draft = rules.validate_score(data)
    with db.connect() as conn:
        row = views.row_by_id(conn, data.get("appraisal_id"))
    if row["state"] == rules.FINALIZED:
        raise Conflict(FROZEN, "appraisalId")
    members = members_of(row["branch_id"])
    rules.check_in_branch(draft, {m["id"] for m in members})
    score_id = uuid.uuid4().hex
    with db.uow(request) as uow:
        session = uow.session
        now = clock.now()
        still_open = session.execute(update(appraisals).where(
            appraisals.c.id == row["id"], appraisals.c.state == rules.OPEN)
            .values(updated_at=now)).rowcount
        if still_open != 1:
            raise Conflict(FROZEN, "appraisalId")
        try:
            session.execute(insert(appraisal_scores).values(
                id=score_id, appraisal_id=row["id"], member_id=draft.member_id,
                part=draft.part, rater_id=draft.rater_id,
                rater_key=rules.rater_key(draft, score_id), score=draft.score,
                scored_by=str(actor), scored_at=now))
        except IntegrityError:
            raise Conflict(_once_only(draft), "raterId" if draft.rater_id else "part") \
                from None
        return uow.answer(_answer(session, views.row_by_id(session, row["id"]), members))


def _once_only(draft):
    if draft.part == rules.ORG:
        return f"the branch has entered the ORG score of {draft.member_id} already"
    return (f"{draft.rater_id} has rated {draft.member_id} as {draft.part} already; a rater "
            "rates a member once per part")


def finalize_appraisal(db, appraisal_id, actor, members_of, request=None):
    """The appraisal FINALIZED: its results worked out once more, stored
    frozen and reported to the bureau (``appraisal_finalized``). Finalizing
    a finalized appraisal answers it as it is and reports nothing again."""
    with db.connect() as conn:
        row = views.row_by_id(conn, appraisal_id)
    members = [] if row["state"] == rules.FINALIZED else members_of(row["branch_id"])
    rule_set = views.rules_for(row)
    today = clock.today()
    with db.uow(request) as uow:
        session = uow.session
        turned = session.execute(update(appraisals).where(
            appraisals.c.id == row["id"], appraisals.c.state == rules.OPEN).values(
            state=rules.FINALIZED, finalized_by=str(actor), finalized_on=today,
            rule_set_version=rule_set.version, updated_at=clock.now())).rowcount
        row = views.row_by_id(session, row["id"])
        if turned != 1:  # finalized before, or by another at the same moment
            return uow.answer(views.appraisal_dict(row, views.frozen_results(session, row["id"])))
        results = views.live_results(session, row, members, rule_set)
        stored = [views.result_dict(r) for r in results]
        if stored:
            session.execute(insert(appraisal_results), [
                {"appraisal_id": row["id"], "member_id": r["member_id"], "position": i,
                 "name": r["name"], "points": result.points, "score": result.score,
                 "grade": r["grade"], "needs_review": r["needs_review"], "parts": r["parts"]}
                for i, (r, result) in enumerate(zip(stored, results))])
        uow.emit("appraisal_finalized", row["bureau_id"], {
            "appraisal_id": row["id"], "branch_id": row["branch_id"], "year": row["year"],
            "branch_path": list(ids_of(row["branch_path"])),
            "finalized_on": today.isoformat(), "rule_set_version": rule_set.version,
            "results": [{"member_id": r["member_id"], "score": r["score"], "grade": r["grade"],
                         "needs_review": r["needs_review"]} for r in stored]})
        return uow.answer(views.appraisal_dict(row, stored))
