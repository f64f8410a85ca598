"""The organisation service's read side: the tree, members and who belonged
where on a day, shaped for the API and for the activity service.

Every subtree is read by ``shared.tree.under`` on an indexed path, and every
batch read costs a fixed number of queries however many ids it is given
(ids are sent in chunks of ``CHUNK`` to stay under SQLite's bound-parameter
limit)."""
from sqlalchemy import and_, or_, select

from services.organization import domain
from services.organization.domain import roles as role_rules
from services.organization.models import (contact_branches, member_roles, memberships, members,
                                          organizations)
from shared.errors import BadInput, NotFound
from shared.periods import parse_date
from shared.tree import ids_of, path_of, under
from shared.vocabulary import GROUP

CHUNK = 1000


def org_dict(row):
    return {"id": row["id"], "name": row["name"], "kind": row["kind"],
            "parent_id": row["parent_id"], "bureau_id": row["bureau_id"],
            "path": domain.path_ids(row["path"]),
            "created_at": row["created_at"].isoformat() if row["created_at"] else None}


def _chunks(ids):
    ids = list(dict.fromkeys(ids))
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def org_row(conn, org_id, field="orgId"):
    if not isinstance(org_id, str) or not org_id:
        raise BadInput("an organisation id is needed", field)
    row = conn.execute(select(organizations).where(organizations.c.id == org_id)) \
        .mappings().first()
    if row is None:
        raise NotFound(f"there is no organisation {org_id}", field)
    return row


def org_rows(conn, org_ids):
    """``{id: row}`` of the known ids among ``org_ids``."""
    found = {}
    for chunk in _chunks(i for i in org_ids if isinstance(i, str)):
        for row in conn.execute(select(organizations).where(organizations.c.id.in_(chunk))) \
                .mappings():
            found[row["id"]] = row
    return found


def roots(conn):
    """The organisations at the top of the tree, by name."""
    return [org_dict(r) for r in conn.execute(
        select(organizations).where(organizations.c.parent_id.is_(None))
        .order_by(organizations.c.name)).mappings()]


def children_of(conn, org_ids):
    """``{org_id: [child org dicts by name]}`` for every id asked (an unknown
    id or a leaf has an empty list)."""
    out = {org_id: [] for org_id in org_ids}
    for chunk in _chunks(org_ids):
        rows = conn.execute(select(organizations).where(organizations.c.parent_id.in_(chunk))
                            .order_by(organizations.c.name)).mappings().all()
        for row in rows:
            out[row["parent_id"]].append(org_dict(row))
    return out


# -- members ------------------------------------------------------------------------

def members_by_id(conn, member_ids):
    """``{id: member dict}``: three queries per chunk (members, memberships, role
    periods), whatever the number of members."""
    out = {}
    for chunk in _chunks(member_ids):
        rows = conn.execute(select(members).where(members.c.id.in_(chunk))).mappings().all()
        histories = {}
        for h in conn.execute(select(memberships, organizations.c.path)
                              .join(organizations, organizations.c.id == memberships.c.branch_id)
                              .where(memberships.c.member_id.in_(chunk))
                              .order_by(memberships.c.id)).mappings():
            histories.setdefault(h["member_id"], []).append(h)
        periods = role_periods(conn, chunk)
        for row in rows:
            out[row["id"]] = _member_dict(row, histories[row["id"]], periods.get(row["id"]))
    return out


def role_periods(conn, member_ids):
    """``{member id: [role period, oldest first]}``: one query (per chunk)."""
    out = {}
    for chunk in _chunks(member_ids):
        for p in conn.execute(select(member_roles).where(member_roles.c.member_id.in_(chunk))
                              .order_by(member_roles.c.id)).mappings():
            out.setdefault(p["member_id"], []).append(p)
    return out


def _iso(day):
    return day.isoformat() if day else None


def _member_dict(row, history, periods=None):
    current = history[-1]
    return {"id": row["id"], "name": row["name"], "roles": list(row["roles"]),
            "bureau_id": row["bureau_id"], "branch_id": current["branch_id"],
            "group_id": current["group_id"],
            "branch_path": domain.path_ids(current["path"]),
            # with each branch's path, so the gateway can judge who may see the
            # member as of any day without asking again
            "history": [{"branch_id": h["branch_id"], "group_id": h["group_id"],
                         "branch_path": domain.path_ids(h["path"]),
                         "valid_from": h["valid_from"].isoformat() if h["valid_from"] else None,
                         "valid_to": h["valid_to"].isoformat() if h["valid_to"] else None}
                        for h in history],
            # the roles through time, so the gateway shows those of the day
            # a member is seen as of
            "role_history": [{"roles": list(p["roles"]), "valid_from": _iso(p["valid_from"]),
                              "valid_to": _iso(p["valid_to"])} for p in periods or []]}


def roles_of_members(conn, member_ids, day):
    """``{member id: [roles held on day]}`` for the known ids."""
    periods = role_periods(conn, member_ids)
    return {m: role_rules.roles_on(p, day) for m, p in periods.items()}


# -- contact branches (联系点) ---------------------------------------------------------

def contact_branches_of(conn, member_ids):
    """``{member id: [branch org dicts by name]}`` for every id asked."""
    out = {m: [] for m in member_ids}
    for chunk in _chunks(member_ids):
        for row in conn.execute(
                select(contact_branches.c.member_id, organizations)
                .join(organizations, organizations.c.id == contact_branches.c.branch_id)
                .where(contact_branches.c.member_id.in_(chunk))
                .order_by(organizations.c.name)).mappings():
            out[row["member_id"]].append(org_dict(row))
    return out


def contacts_of(conn, branch_ids):
    """``{branch id: [member dicts by name]}``: who contacts each branch."""
    out = {b: [] for b in branch_ids}
    pairs = []
    for chunk in _chunks(branch_ids):
        pairs += conn.execute(
            select(contact_branches.c.branch_id, contact_branches.c.member_id)
            .where(contact_branches.c.branch_id.in_(chunk))).all()
    found = members_by_id(conn, {m for _, m in pairs})
    for branch_id, member_id in pairs:
        out[branch_id].append(found[member_id])
    for listed in out.values():
        listed.sort(key=lambda m: (m["name"], m["id"]))
    return out


def member(conn, member_id):
    if not isinstance(member_id, str) or not member_id:
        raise BadInput("a member id is needed", "memberId")
    found = members_by_id(conn, [member_id])
    if member_id not in found:
        raise NotFound(f"there is no member {member_id}", "id")
    return found[member_id]


def get_members(conn, member_ids):
    """Member dicts in the order asked, unknown ids skipped."""
    found = members_by_id(conn, [m for m in member_ids if isinstance(m, str)])
    return [found[m] for m in dict.fromkeys(member_ids) if m in found]


# -- who belonged where on a day ----------------------------------------------------

def scope_path(org):
    """The subtree whose branches' members count for ``org``: a party group
    counts its branch's members, anything else its own subtree."""
    ids = ids_of(org["path"])
    return path_of(ids[:-1]) if org["kind"] == GROUP else org["path"]


def in_force_between(first_day, last_day):
    """Memberships in force on some day of ``first_day``..``last_day``."""
    return and_(or_(memberships.c.valid_from.is_(None), memberships.c.valid_from <= last_day),
                or_(memberships.c.valid_to.is_(None), memberships.c.valid_to > first_day))


def subtree_memberships(paths, first_day, last_day=None):
    """The query for memberships of branches under any of ``paths`` in force
    on a day of ``first_day``..``last_day``: served by the path index on
    organizations, then the (branch, dates) index on memberships."""
    last_day = last_day or first_day
    return (select(memberships.c.member_id, memberships.c.group_id, memberships.c.valid_from,
                   memberships.c.valid_to, organizations.c.path)
            .join(organizations, organizations.c.id == memberships.c.branch_id)
            .where(or_(*[under(organizations.c.path, p) for p in paths]),
                   in_force_between(first_day, last_day)))


def _outermost(paths):
    """The paths not inside another of them (the others add no rows)."""
    out = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(p) for p in out):
            out.append(path)
    return out


def _in_force(row, day):
    return (row["valid_from"] is None or row["valid_from"] <= day) and \
        (row["valid_to"] is None or day < row["valid_to"])


def member_ids_on(conn, orgs_and_days, own_group_only=False):
    """For each ``(org row, day)``, the sorted ids of members of the branches
    in its scope on that day; with ``own_group_only`` a party group counts
    only those assigned to it. One query for them all."""
    if not orgs_and_days:
        return []
    days = [day for _, day in orgs_and_days]
    scopes = [scope_path(org) for org, _ in orgs_and_days]
    rows = conn.execute(subtree_memberships(_outermost(scopes), min(days), max(days))) \
        .mappings().all()
    by_branch_path = {}
    for row in rows:
        by_branch_path.setdefault(row["path"], []).append(row)
    out = []
    for (org, day), scope in zip(orgs_and_days, scopes):
        ids = set()
        for path, branch_rows in by_branch_path.items():
            if not path.startswith(scope):
                continue
            for row in branch_rows:
                if _in_force(row, day) and not (
                        own_group_only and org["kind"] == GROUP and row["group_id"] != org["id"]):
                    ids.add(row["member_id"])
        out.append(sorted(ids))
    return out


def members_of_orgs(conn, org_ids, day):
    """``{org_id: [member dict]}`` for the known ids: the members of each
    organisation's subtree on ``day`` (a party group: its own members)."""
    orgs = org_rows(conn, org_ids)
    known = [orgs[i] for i in dict.fromkeys(org_ids) if i in orgs]
    id_lists = member_ids_on(conn, [(org, day) for org in known], own_group_only=True)
    found = members_by_id(conn, {m for ids in id_lists for m in ids})
    return {org["id"]: [found[m] for m in ids] for org, ids in zip(known, id_lists)}


def describe_for_activities(conn, requests):
    """For each ``{"org_id", "day"}``: the holding organisation and who
    belonged to its scope on the day, or an error naming what was wrong. A
    request may also name ``extra_member_ids`` (an activity's speaker and
    guests): its answer's ``extra_members`` says for each where they
    belonged on the day (``{"branch_id", "branch_path", "bureau_id"}``), or
    None when they were no member that day or are unknown. One query for the
    extra members of all the requests."""
    answers = [None] * len(requests)
    wanted, extras = [], {}
    for i, request in enumerate(requests):
        try:
            if not isinstance(request, dict):
                raise BadInput("each request is an object with org_id and day", "requests")
            org_id = request.get("org_id")
            if not isinstance(org_id, str) or not org_id:
                raise BadInput("an organisation id is needed", "orgId")
            day = parse_date(request.get("day"), "heldOn")
            extra = request.get("extra_member_ids") or []
            if not isinstance(extra, list) or not all(isinstance(m, str) for m in extra):
                raise BadInput("extra_member_ids is a list of member ids", "extra_member_ids")
            wanted.append((i, org_id, day))
            if extra:
                extras[i] = (extra, day)
        except BadInput as err:
            answers[i] = {"error": {"code": err.code, "message": err.message}}
    orgs = org_rows(conn, [org_id for _, org_id, _ in wanted])
    pending = []
    for i, org_id, day in wanted:
        if org_id in orgs:
            pending.append((i, orgs[org_id], day))
        else:
            answers[i] = {"error": {"code": NotFound.code,
                                    "message": f"there is no organisation {org_id}"}}
    # a year of records names a few hundred (org, day) pairs many times over
    distinct = list(dict.fromkeys((org["id"], day) for _, org, day in pending))
    id_lists = member_ids_on(conn, [(orgs[org_id], day) for org_id, day in distinct])
    ids_of_pair = dict(zip(distinct, id_lists))
    whereabouts = memberships_on(conn, [(m, day) for extra, day in extras.values()
                                        for m in extra])
    for i, org, day in pending:
        answers[i] = {"org": org_dict(org), "member_ids": ids_of_pair[(org["id"], day)]}
        if i in extras:
            answers[i]["extra_members"] = {m: whereabouts.get((m, day)) for m in extras[i][0]}
    return answers


def memberships_on(conn, members_and_days):
    """``{(member id, day): {"branch_id", "branch_path", "bureau_id"}}`` for
    each pair whose member belonged to a branch on that day (others are
    left out): one query per chunk of members, whatever their days."""
    if not members_and_days:
        return {}
    days = [day for _, day in members_and_days]
    histories = {}
    for chunk in _chunks(m for m, _ in members_and_days):
        for row in conn.execute(
                select(memberships.c.member_id, memberships.c.branch_id,
                       memberships.c.valid_from, memberships.c.valid_to,
                       organizations.c.path, organizations.c.bureau_id)
                .join(organizations, organizations.c.id == memberships.c.branch_id)
                .where(memberships.c.member_id.in_(chunk),
                       in_force_between(min(days), max(days)))).mappings():
            histories.setdefault(row["member_id"], []).append(row)
    out = {}
    for member_id, day in members_and_days:
        for row in histories.get(member_id, ()):
            if _in_force(row, day):
                out[(member_id, day)] = {"branch_id": row["branch_id"],
                                         "branch_path": domain.path_ids(row["path"]),
                                         "bureau_id": row["bureau_id"]}
    return out


def directory(conn, org_id):
    """What an import needs to turn names into ids: the organisation, every
    organisation in its subtree, and every member who ever belonged to a
    branch in it (id and name; who belonged where on a day is
    ``describe_for_activities``' answer)."""
    org = org_row(conn, org_id)
    orgs = conn.execute(select(organizations).where(under(organizations.c.path, org["path"]))
                        .order_by(organizations.c.path)).mappings().all()
    people = conn.execute(
        select(members.c.id, members.c.name).distinct()
        .select_from(memberships)
        .join(organizations, organizations.c.id == memberships.c.branch_id)
        .join(members, members.c.id == memberships.c.member_id)
        .where(under(organizations.c.path, org["path"]))
        .order_by(members.c.name, members.c.id)).all()
    return {"org": org_dict(org), "orgs": [org_dict(o) for o in orgs],
            "members": [{"id": m_id, "name": name} for m_id, name in people]}


def subtree_facts(conn, org_id):
    """What other services keep about the subtree of ``org_id``, as it stands:
    ``(orgs, people, branches)``: its organisations, parents first; every
    member who ever belonged to a branch in it, as ``(member row, membership
    history oldest first)``; and ``{id: row}`` of every branch in those
    histories, whichever subtree it lies in. A fixed number of queries per
    ``CHUNK`` members."""
    org = org_row(conn, org_id, "bureau")
    orgs = conn.execute(select(organizations).where(under(organizations.c.path, org["path"]))
                        .order_by(organizations.c.path)).mappings().all()
    member_ids = conn.execute(
        select(memberships.c.member_id).distinct()
        .join(organizations, organizations.c.id == memberships.c.branch_id)
        .where(under(organizations.c.path, org["path"]))).scalars().all()
    people = []
    for chunk in _chunks(sorted(member_ids)):
        rows = {r["id"]: r for r in conn.execute(
            select(members).where(members.c.id.in_(chunk))).mappings()}
        histories = {}
        for h in conn.execute(select(memberships).where(memberships.c.member_id.in_(chunk))
                              .order_by(memberships.c.id)).mappings():
            histories.setdefault(h["member_id"], []).append(h)
        people.extend((rows[m], histories[m]) for m in chunk)
    branches = org_rows(conn, {h["branch_id"] for _, history in people for h in history})
    return orgs, people, branches


def roster_directory(conn, org_id):
    """What a roster import of ``org_id`` reads, in two queries: the
    organisation, its subtree's organisations (dicts) and today's members
    of the branches in it (id, name, branch id, roles held today)."""
    org = org_row(conn, org_id)
    orgs = [org_dict(o) for o in conn.execute(
        select(organizations).where(under(organizations.c.path, org["path"]))).mappings()]
    people = [dict(p) for p in conn.execute(
        select(members.c.id, members.c.name, members.c.roles, memberships.c.branch_id)
        .select_from(memberships)
        .join(organizations, organizations.c.id == memberships.c.branch_id)
        .join(members, members.c.id == memberships.c.member_id)
        .where(under(organizations.c.path, org["path"]), memberships.c.valid_to.is_(None)))
        .mappings()]
    return org, orgs, people
