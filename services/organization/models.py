"""The organisation service's tables: the tree, the members, their
membership history (a transfer closes one row and opens another), their
role history (likewise) and the branches bureau committee members contact."""
from sqlalchemy import (JSON, Column, Date, DateTime, ForeignKey, Index, Integer, MetaData,
                        PrimaryKeyConstraint, String, Table, Text, UniqueConstraint, func)

from shared.idempotency import idempotency_table
from shared.outbox import messaging_tables

metadata = MetaData()
outbox, processed_events = messaging_tables(metadata)
idempotency_keys = idempotency_table(metadata)  # the commands carried out (a day)

organizations = Table(
    "organizations", metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("parent_id", String(32), ForeignKey("organizations.id"), nullable=True, index=True),
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("path", Text, nullable=False),  # "/city/bureau/.../self/"
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("parent_id", "name", name="uq_org_sibling_name"),
    # built by shared.tree.path_index in a migration (text_pattern_ops on
    # PostgreSQL, NOCASE on SQLite); declared here so autogenerate keeps it
    Index("ix_organizations_path", "path"),
)

members = Table(
    "members", metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("roles", JSON, nullable=False),  # held today; their history is member_roles
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

memberships = Table(
    "memberships", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", String(32), ForeignKey("members.id"), nullable=False),
    Column("branch_id", String(32), ForeignKey("organizations.id"), nullable=False),
    Column("group_id", String(32), ForeignKey("organizations.id"), nullable=True),
    Column("valid_from", Date, nullable=True),  # null: since before records began
    Column("valid_to", Date, nullable=True),    # exclusive; null: still a member
    Index("ix_membership_member", "member_id"),
    # serves "members of the branches in a subtree on a day" without visiting rows
    Index("ix_membership_branch_day", "branch_id", "valid_from", "valid_to", "member_id",
          "group_id"),
)

member_roles = Table(
    "member_roles", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", String(32), ForeignKey("members.id"), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("valid_from", Date, nullable=True),  # null: since before records began
    Column("valid_to", Date, nullable=True),    # exclusive; null: held today
    Index("ix_member_roles_member", "member_id"),
)

contact_branches = Table(  # 联系点
    "contact_branches", metadata,
    Column("member_id", String(32), ForeignKey("members.id"), nullable=False),
    Column("branch_id", String(32), ForeignKey("organizations.id"), nullable=False),
    Column("valid_from", Date, nullable=False),
    PrimaryKeyConstraint("member_id", "branch_id", name="pk_contact_branches"),
    Index("ix_contact_branches_branch", "branch_id"),
)
