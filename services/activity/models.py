"""The activity service's tables: activities, their attendance (A3) and
their guests (双重组织生活); the members' practice: talks (A6), minutes
(A10) and wishes (A9)."""
from sqlalchemy import (JSON, Column, Date, DateTime, ForeignKey, Index, Integer, MetaData,
                        String, Table, Text, func)

from shared.idempotency import idempotency_table
from shared.outbox import messaging_tables

metadata = MetaData()
outbox, processed_events = messaging_tables(metadata)
idempotency_keys = idempotency_table(metadata)  # the commands carried out (a day)

activities = Table(
    "activities", metadata,
    Column("id", String(32), primary_key=True),
    Column("org_id", String(32), nullable=False, index=True),
    Column("org_path", Text, nullable=False),
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("theme", String(200), nullable=False),
    Column("held_on", Date, nullable=False),
    Column("speaker_id", String(32), nullable=True),
    # where the theme came from (S7): SUPERIOR (上级命题) or MEMBER (党员点题)
    Column("theme_source", String(16), nullable=False, server_default="SUPERIOR"),
    Column("recorded_by", String(128), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # built by shared.tree.path_index in a migration (text_pattern_ops on
    # PostgreSQL, NOCASE on SQLite); declared here so autogenerate keeps it
    Index("ix_activities_org_path_held_on", "org_path", "held_on"),
)

attendance = Table(
    "attendance", metadata,
    Column("activity_id", String(32), ForeignKey("activities.id"), primary_key=True),
    Column("member_id", String(32), primary_key=True),
    Column("position", Integer, nullable=False),  # the order the secretary listed
    Column("status", String(16), nullable=False),
    Column("reason", String(500), nullable=True),
)

# Members from outside the holding organisation who took part; not attendance
# lines (they are no member of the holder), but present all the same.
activity_guests = Table(
    "activity_guests", metadata,
    Column("activity_id", String(32), ForeignKey("activities.id"), primary_key=True),
    Column("member_id", String(32), primary_key=True),
    Column("position", Integer, nullable=False),  # the order the secretary listed
)


# -- members' practice: talks, minutes and wishes -------------------------------------

# 谈心谈话: two members of the bureau, filed under a branch or its committee
talks = Table(
    "talks", metadata,
    Column("id", String(32), primary_key=True),
    Column("org_id", String(32), nullable=False),
    Column("org_path", Text, nullable=False),
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("held_on", Date, nullable=False),
    Column("initiator_id", String(32), nullable=False),
    Column("other_id", String(32), nullable=False),
    Column("notes", Text, nullable=True),
    Column("recorded_by", String(128), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # built by shared.tree.path_index in the migration
    Index("ix_talks_org_path_held_on", "org_path", "held_on"),
)

# 议事规则: one set of minutes per activity; recording again replaces it
minutes = Table(
    "minutes", metadata,
    Column("activity_id", String(32), ForeignKey("activities.id"), primary_key=True),
    Column("topic", String(200), nullable=False),
    Column("speaker_ids", JSON, nullable=False),  # in the order they spoke
    Column("decisions", JSON, nullable=False),
    Column("recorded_by", String(128), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# 微心愿 / 双代: OPEN -> CLAIMED -> FULFILLED, or CANCELLED (domain/wishes.py)
wishes = Table(
    "wishes", metadata,
    Column("id", String(32), primary_key=True),
    Column("branch_id", String(32), nullable=False),
    Column("branch_path", Text, nullable=False),
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("title", String(200), nullable=False),
    Column("requester", String(100), nullable=False),
    Column("contact", String(200), nullable=True),  # stored, never returned
    Column("posted_on", Date, nullable=False),
    Column("posted_by", String(128), nullable=False),
    Column("state", String(16), nullable=False),
    Column("claimed_by", String(32), nullable=True),
    Column("claimed_on", Date, nullable=True),
    Column("fulfilled_on", Date, nullable=True),
    Column("settled_on", Date, nullable=True),       # fulfilled or cancelled
    Column("note", String(500), nullable=True),      # the fulfilment's note or the reason
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # built by shared.tree.path_index in the migration
    Index("ix_wishes_branch_path_posted_on", "branch_path", "posted_on"),
)
