"""A service's read model of the organisation tree (组织树) and of the
members, kept from the organisation service's events only: the two tables,
the upserts that keep them, and the three consumers that feed them. Study
and supervision each keep one; what a service keeps besides (supervision's
names, roles and quota moves) it adds in its own columns and handlers.

A fact may come more than once under different event ids (the organisation
service republishes a subtree to rebuild a copy: tools/republish.py), and two
workers may hold the same fact at once: each write is an upsert, never a
second row, never an IntegrityError.
"""
from sqlalchemy import Column, String, Table, Text, select

from shared.consumer import consume, event_consumer
from shared.db import conflict_insert
from shared.errors import Unavailable
from shared.tree import path_of

# What a transfer changes of a member known here.
MOVED = ("branch_id", "branch_path", "bureau_id")


def tree_tables(metadata, org_columns=(), member_columns=()):
    """``orgs`` and ``members`` on ``metadata``, with the service's own
    ``org_columns`` and ``member_columns`` after the common ones. The paths
    are indexed for prefix LIKE by each service's migrations (shared/tree.py)."""
    orgs = Table(
        "orgs", metadata,
        Column("id", String(32), primary_key=True),
        Column("kind", String(16), nullable=False),
        Column("bureau_id", String(32), nullable=False, index=True),
        Column("path", Text, nullable=False),
        *org_columns,
    )
    members = Table(
        "members", metadata,
        Column("id", String(32), primary_key=True),
        Column("bureau_id", String(32), nullable=False, index=True),
        Column("branch_id", String(32), nullable=False),
        Column("branch_path", Text, nullable=False),
        *member_columns,
    )
    return orgs, members


class TreeReadModel:
    """The writes that keep ``orgs`` and ``members`` (from ``tree_tables``)."""

    def __init__(self, orgs, members):
        self.orgs = orgs
        self.members = members

    def apply_org_created(self, uow, envelope, **values):
        """An organisation's place never changes: the first telling stays.
        ``values``: the service's own columns."""
        p = envelope.payload
        orgs = self.orgs
        uow.session.execute(conflict_insert(uow.session, orgs).values(
            id=p["org_id"], kind=p["kind"], bureau_id=envelope.bureau_id,
            path=path_of(p["path"]), **values)
            .on_conflict_do_nothing(index_elements=[orgs.c.id]))

    def branch_path(self, session, branch_id):
        orgs = self.orgs
        path = session.execute(select(orgs.c.path).where(orgs.c.id == branch_id)).scalar()
        if path is None:
            # the branch's own event is still on its way (another queue): try again
            raise Unavailable(f"branch {branch_id} is not known here yet")
        return path

    def put_member(self, session, envelope, update=(), **values):
        """The member of a member_registered or member_transferred payload in
        its branch; a member known here keeps their row but for the ``update``
        columns. ``values``: the service's own columns. Returns the branch's
        path."""
        p = envelope.payload
        members = self.members
        branch_path = self.branch_path(session, p["branch_id"])
        statement = conflict_insert(session, members).values(
            id=p["member_id"], bureau_id=envelope.bureau_id, branch_id=p["branch_id"],
            branch_path=branch_path, **values)
        if update:
            statement = statement.on_conflict_do_update(
                index_elements=[members.c.id],
                set_={c: statement.excluded[c] for c in update})
        else:
            statement = statement.on_conflict_do_nothing(index_elements=[members.c.id])
        session.execute(statement)
        return branch_path

    def apply_member_registered(self, uow, envelope):
        """The branch only for a member new here: a transfer (another queue)
        may have come first and be newer."""
        self.put_member(uow.session, envelope)

    def apply_member_transferred(self, uow, envelope):
        self.put_member(uow.session, envelope, update=MOVED)


def tree_consumers(handlers):
    """A base class for a service: its consumers of organization_created,
    member_registered and member_transferred, applying ``handlers``'s
    ``apply_org_created``, ``apply_member_registered`` and
    ``apply_member_transferred`` through ``self.db``. The method names make
    the queues' names (``evt-organization-<event>--<service>.<method>``)."""

    class TreeConsumers:
        @event_consumer("organization", "organization_created")
        def on_organization_created(self, body):
            consume(self.db, body, "organization_created", handlers.apply_org_created)

        @event_consumer("organization", "member_registered")
        def on_member_registered(self, body):
            consume(self.db, body, "member_registered", handlers.apply_member_registered)

        @event_consumer("organization", "member_transferred")
        def on_member_transferred(self, body):
            consume(self.db, body, "member_transferred", handlers.apply_member_transferred)

    return TreeConsumers
