"""The activity service's commands. Each checks its input with the pure
rules of ``domain``, asks the organisation service through the ``describe``
and ``directory`` callables the entrypoint hands it, and writes inside one
unit of work, where the activity_recorded events go to the outbox with the
rows."""
import uuid

from sqlalchemy import insert

from services.activity import views
from services.activity.domain import importing, sheet
from services.activity.domain.activity import validate_against_org, validate_input
from services.activity.models import activities, activity_guests, attendance
from shared import backdating, clock
from shared.errors import BadInput, Forbidden, NotFound, listing
from shared.tree import path_of

MAX_BATCH = 500         # inputs of one record_activities
DESCRIBE_BATCH = 500    # (organisation, day) pairs per describe_for_activities of an import


def check_against_org(draft, answer):
    """The holding organisation from ``describe_for_activities``' answer for
    the draft, once the draft is checked against it; else BadInput."""
    if "error" in answer:
        if answer["error"]["code"] == NotFound.code:
            raise BadInput(f"there is no branch, party group or committee {draft.org_id}",
                           "orgId")
        raise BadInput(answer["error"]["message"], "heldOn")
    validate_against_org(draft, answer["org"], set(answer["member_ids"]),
                         answer.get("extra_members"))
    return answer["org"]


def describe_request(draft):
    """What ``describe_for_activities`` is asked about a draft: its holder on
    its day, and where its speaker and guests belonged that day."""
    request = {"org_id": draft.org_id, "day": draft.held_on.isoformat()}
    if draft.extra_member_ids:
        request["extra_member_ids"] = draft.extra_member_ids
    return request


def check_backdating(draft, org, today, roles):
    backdating.check_backdating(draft.held_on, today,
                                backdating.limit_for(org["bureau_id"], today), roles)


def write(uow, checked, actor):
    """Store ``[(draft, org)]`` and queue one activity_recorded each; the
    activities as stored (``views.activity_dict``), in the same order: the
    answer is made of what is committed, not read back after the commit."""
    ids = [uuid.uuid4().hex for _ in checked]
    now = clock.now()
    rows = [{"id": activity_id, "org_id": org["id"], "org_path": path_of(org["path"]),
             "bureau_id": org["bureau_id"], "kind": draft.kind, "theme": draft.theme,
             "held_on": draft.held_on, "speaker_id": draft.speaker_id,
             "theme_source": draft.theme_source, "recorded_by": str(actor), "recorded_at": now}
            for activity_id, (draft, org) in zip(ids, checked)]
    uow.session.execute(insert(activities), rows)
    lines = [{"activity_id": activity_id, "member_id": line.member_id, "position": i,
              "status": line.status, "reason": line.reason}
             for activity_id, (draft, _org) in zip(ids, checked)
             for i, line in enumerate(draft.attendance)]
    if lines:
        uow.session.execute(insert(attendance), lines)
    guests = [{"activity_id": activity_id, "member_id": member_id, "position": i}
              for activity_id, (draft, _org) in zip(ids, checked)
              for i, member_id in enumerate(draft.guest_ids)]
    if guests:
        uow.session.execute(insert(activity_guests), guests)
    for activity_id, (draft, org) in zip(ids, checked):
        uow.emit("activity_recorded", org["bureau_id"], {
            "activity_id": activity_id, "org_id": org["id"], "org_path": org["path"],
            "kind": draft.kind, "theme": draft.theme,
            "held_on": draft.held_on.isoformat(), "speaker_id": draft.speaker_id,
            "guest_ids": list(draft.guest_ids), "theme_source": draft.theme_source,
            "attendance": [{"member_id": line.member_id, "status": line.status}
                           for line in draft.attendance]})
    lines_of, guests_of = {}, {}
    for line in lines:
        lines_of.setdefault(line["activity_id"], []).append(line)
    for guest in guests:
        guests_of.setdefault(guest["activity_id"], []).append(guest["member_id"])
    return [views.activity_dict(row, lines_of.get(row["id"], []), guests_of.get(row["id"], []))
            for row in rows]


def record_activity(db, data, actor, describe, request=None, roles=None):
    """The activity as recorded; ``request`` (shared/idempotency.py) is
    committed with it; ``roles`` decide whether it may be backdated."""
    today = clock.today()
    draft = validate_input(data, today)
    answer = describe([describe_request(draft)])[0]
    org = check_against_org(draft, answer)
    check_backdating(draft, org, today, roles)
    with db.uow(request) as uow:
        return uow.answer(write(uow, [(draft, org)], actor)[0])


def _of_input(i, err):
    """``err`` about one input, as an error of the i-th of a batch."""
    whole = err.field in (None, "input")
    return type(err)(f"inputs[{i}]: {err.message}",
                     f"inputs[{i}]" if whole else f"inputs[{i}].{err.field}")


def record_activities(db, datas, actor, describe, request=None, roles=None):
    """All of ``datas`` or none, answered as recorded, in input order: the
    first bad input raises BadInput naming its index; one lookup for the
    whole batch, one transaction."""
    if not isinstance(datas, list):
        raise BadInput("inputs is a list of activities", "inputs")
    if len(datas) > MAX_BATCH:
        raise BadInput(f"{len(datas)} inputs; at most {MAX_BATCH} in one call (split them, "
                       "or import a file)", "inputs")
    if not datas:
        return []
    today = clock.today()
    drafts = []
    for i, data in enumerate(datas):
        try:
            drafts.append(validate_input(data, today))
        except BadInput as err:
            raise _of_input(i, err) from None
    answers = describe([describe_request(d) for d in drafts])
    checked = []
    for i, (draft, answer) in enumerate(zip(drafts, answers)):
        try:
            org = check_against_org(draft, answer)
            check_backdating(draft, org, today, roles)
            checked.append((draft, org))
        except (BadInput, Forbidden) as err:
            raise _of_input(i, err) from None
    with db.uow(request) as uow:
        return uow.answer(write(uow, checked, actor))


def import_activities(db, org_id, file_b64, dry_run, actor, describe, directory,
                      request=None, roles=None):
    """Paper records of ``org_id``'s subtree from an .xlsx or .csv: every bad
    row reported, and nothing written unless there is none (nor on a dry run)."""
    if not isinstance(org_id, str) or not org_id:
        raise BadInput("say which organisation the records belong to", "orgId")
    content = sheet.decode_file(file_b64)
    rows, errors = sheet.read_rows(content)
    try:
        folder = importing.Directory(directory(org_id))
    except NotFound:
        raise BadInput(f"there is no organisation {org_id}", "orgId") from None
    located, org_errors = importing.locate(rows, folder)
    errors += org_errors

    pairs = list(dict.fromkeys((org["id"], row.held_on) for row, org in located))
    answers = {}
    for start in range(0, len(pairs), DESCRIBE_BATCH):
        batch = pairs[start:start + DESCRIBE_BATCH]
        answers.update(zip(batch, describe([{"org_id": o, "day": d.isoformat()}
                                            for o, d in batch])))
    today = clock.today()
    checked, numbers = [], []
    for row, org in located:
        answer = answers[(org["id"], row.held_on)]
        data, row_errors = importing.to_input(row, org, answer, folder)
        if row_errors:
            errors += row_errors
            continue
        try:
            draft = validate_input(data, today)
            checked.append((draft, check_against_org(draft, answer)))
            numbers.append(row.number)
        except BadInput as err:
            errors.append(sheet.RowError(row.number, importing.column_of(err.field, data),
                                             err.message))
    check_rows_backdating(numbers, checked, today, roles)
    if checked:
        with db.connect() as conn:
            recorded = views.recorded_keys(conn, path_of(folder.root["path"]),
                                           min(d.held_on for d, _ in checked),
                                           max(d.held_on for d, _ in checked))
        errors += importing.repeated(
            [(number, importing.key_of(draft.org_id, draft.kind, draft.held_on, draft.theme))
             for number, (draft, _org) in zip(numbers, checked)], recorded)
    errors.sort(key=lambda e: e.row)
    if errors:
        return {"dry_run": bool(dry_run), "created": 0,
                "errors": [e.as_dict() for e in errors]}
    result = {"dry_run": bool(dry_run), "created": len(checked), "errors": []}
    if not dry_run and checked:
        with db.uow(request) as uow:
            write(uow, checked, actor)
            return uow.answer(result)
    return result


def check_rows_backdating(numbers, checked, today, roles):
    """Forbidden naming the rows of an import dated further back than their
    bureau's limit, unless the caller may backdate: a permission, so the
    whole import is refused rather than the rows reported as bad input."""
    if backdating.may_backdate(roles):
        return
    limits, late = {}, []
    for number, (draft, org) in zip(numbers, checked):
        bureau_id = org["bureau_id"]
        if bureau_id not in limits:
            limits[bureau_id] = backdating.limit_for(bureau_id, today)
        if backdating.is_backdated(draft.held_on, today, limits[bureau_id]):
            late.append((number, draft.held_on, limits[bureau_id]))
    if not late:
        return
    listed = listing(f"row {n} ({day})" for n, day, _ in late)
    days = " or ".join(str(x) for x in sorted({limit for _, _, limit in late}))
    verb = "is" if len(late) == 1 else "are"
    raise Forbidden(f"{listed} {verb} dated more than {days} days before today "
                    f"({today}); importing records that old needs the admin role", "file")
