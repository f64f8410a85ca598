"""Recording a party-spirit check-up (党性教育体检): the member's post type
from the roles they hold on the judging day, every indicator of it scored
once, the total, dimension scores and health by the bureau's rule set
(domain/checkup.py), written in one unit of work with ``checkup_recorded``.

A second check-up of the same member and year replaces the first: the first
is copied, as it stood, into checkup_history (who replaced it and when), and
the event says ``replaced``, so that a consumer counting check-ups (quota P5)
counts the member's year once."""
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from services.scoring.checkup_views import checkup_dict, indicator_dicts
from services.scoring.domain import checkup as rules
from services.scoring.models import checkup_history, checkups
from shared import clock
from shared.errors import BadInput, Unavailable
from shared.idempotency import is_clash
from shared.rules import NoValidRuleSet

PLACES = Decimal("0.0001")  # what is kept of a score: checkups.total is Numeric(9, 4)


def _kept(value):
    return value.quantize(PLACES, rounding=ROUND_HALF_EVEN)


def member_id_of(data_member_id):
    if not isinstance(data_member_id, str) or not data_member_id.strip():
        raise BadInput("say whose check-up it is", "memberId")
    return data_member_id


def post_and_rules(member_id, year, member_of, roles_of, today):
    """(member, judging day, post type, rule set) of ``member_id``'s check-up
    of ``year``: BAD_INPUT for a year to come or a member the register does
    not know; UNAVAILABLE while the bureau has no valid check-up rule set."""
    day = rules.judging_day(year, today)
    member = member_of(member_id)
    if member is None:
        raise BadInput(f"there is no member {member_id}", "memberId")
    post = rules.post_type(roles_of([member_id], day.isoformat()).get(member_id, ()))
    try:
        rule_set = rules.CHECKUP_RULES.for_day(member["bureau_id"], day)
    except NoValidRuleSet as exc:
        raise Unavailable(f"{exc}; an operator must fix the file") from None
    return member, day, post, rule_set


def indicators_of(member_id, year, member_of, roles_of):
    """The post type of the member's check-up of ``year`` and its indicators."""
    _, _, post, rule_set = post_and_rules(member_id_of(member_id), year, member_of, roles_of,
                                          clock.today())
    return {"post_type": post, "indicators": indicator_dicts(rule_set.indicators(post))}


def record_checkup(db, data, actor, member_of, roles_of, request=None):
    """The check-up as recorded; ``member_of(id)`` answers the member dict or
    None, ``roles_of(ids, day)`` the roles held on the day. Nothing is
    written unless every check passed."""
    if not isinstance(data, dict):
        raise BadInput("the check-up is an object", "input")
    today = clock.today()
    member_id = member_id_of(data.get("member_id"))
    member, _, post, rule_set = post_and_rules(member_id, data.get("year"), member_of,
                                               roles_of, today)
    indicators = rule_set.indicators(post)
    scores = rules.check_scores(indicators, data.get("scores"))
    result = rules.score(rule_set, post, scores)
    row = {"member_id": member_id, "year": data["year"], "bureau_id": member["bureau_id"],
           "branch_id": member["branch_id"], "post_type": post,
           "scores": [{"indicator": i.key, "score": str(scores[i.key])} for i in indicators],
           "total": _kept(result.total), "health": result.health,
           "by_dimension": [{"dimension": d, "score": str(_kept(v))}
                            for d, v in result.by_dimension],
           "rule_set_version": rule_set.version, "recorded_on": today,
           "recorded_by": str(actor), "recorded_at": clock.now()}
    for attempt in (1, 2):
        try:
            return _write(db, row, str(actor), request)
        except IntegrityError as exc:
            # another check-up of the member's year was recorded at the same
            # moment: the second pass replaces it (unless it was this very
            # request, which idempotency.once answers)
            if attempt == 2 or is_clash(exc):
                raise
    raise AssertionError("unreachable")


def _write(db, row, actor, request):
    with db.uow(request) as uow:
        session = uow.session
        key = (checkups.c.member_id == row["member_id"], checkups.c.year == row["year"])
        current = session.execute(select(checkups).where(*key).with_for_update()) \
            .mappings().first()
        if current is None:
            session.execute(insert(checkups).values(**row))
        else:
            session.execute(insert(checkup_history).values(
                **dict(current), replaced_at=row["recorded_at"], replaced_by=actor))
            session.execute(update(checkups).where(*key).values(
                **{k: v for k, v in row.items() if k not in ("member_id", "year")}))
        answer = checkup_dict(row)
        uow.emit("checkup_recorded", row["bureau_id"], {
            "member_id": row["member_id"], "year": row["year"], "post_type": row["post_type"],
            "total": answer["total"], "health": row["health"],
            "on": row["recorded_on"].isoformat(), "branch_id": row["branch_id"],
            "replaced": current is not None, "rule_set_version": row["rule_set_version"]})
        return uow.answer(answer)
