"""The activity service's tables: activities, their attendance (A3) and
their guests (双重组织生活); the members' practice: talks (A6), minutes
(A10) and wishes (A9); households (A5) and pledges (A8)."""
from sqlalchemy import (JSON, Boolean, Column, Date, DateTime, ForeignKey, Index, Integer,
                        MetaData, String, Table, Text, UniqueConstraint, func)

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

# -- households (联户) and pairing (结对帮扶) -------------------------------------------

# The households a member contacts: ``slot`` 1..5 is unique per member, so two
# registrations at once cannot make a sixth. ``branch_path`` is the member's
# branch when registered: whom the household (and its phone) is shown to.
households = Table(
    "households", metadata,
    Column("id", String(32), primary_key=True),
    Column("member_id", String(32), nullable=False),
    Column("slot", Integer, nullable=False),
    Column("bureau_id", String(32), nullable=False),
    Column("branch_id", String(32), nullable=False),
    Column("branch_path", Text, nullable=False),
    Column("name", String(200), nullable=False),
    Column("address", String(200), nullable=False),
    Column("phone", String(32), nullable=True),
    Column("in_difficulty", Boolean, nullable=False),
    Column("paired_cadre_id", String(32), nullable=True),
    Column("registered_on", Date, nullable=False),
    Column("registered_by", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("member_id", "slot", name="uq_households_member_slot"),
)

household_visits = Table(
    "household_visits", metadata,
    Column("id", String(32), primary_key=True),
    Column("household_id", String(32), ForeignKey("households.id"), nullable=False),
    Column("member_id", String(32), nullable=False),
    Column("on", Date, nullable=False),
    Column("note", Text, nullable=False),
    Column("logged_by", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_household_visits_member_on", "member_id", "on"),
)

# -- pledges (亮身份亮承诺) -------------------------------------------------------------

# ``slot`` 1..2 unique per member and year: two pledges at once cannot make a
# third. The sweep finds what turned OVERDUE through (state, due) alone.
pledges = Table(
    "pledges", metadata,
    Column("id", String(32), primary_key=True),
    Column("member_id", String(32), nullable=False),
    Column("year", Integer, nullable=False),
    Column("slot", Integer, nullable=False),
    Column("bureau_id", String(32), nullable=False),
    Column("branch_id", String(32), nullable=False),
    Column("branch_path", Text, nullable=False),
    Column("area", String(16), nullable=False),
    Column("content", Text, nullable=False),
    Column("due", Date, nullable=False),
    Column("state", String(16), nullable=False),
    Column("made_on", Date, nullable=False),
    Column("settled_on", Date, nullable=True),
    Column("note", Text, nullable=True),
    Column("made_by", String(128), nullable=False),
    Column("settled_by", String(128), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("member_id", "year", "slot", name="uq_pledges_member_year_slot"),
    Index("ix_pledges_state_due", "state", "due"),
    # built by shared.tree.path_index in the migration, like the activities'
    Index("ix_pledges_branch_path_year", "branch_path", "year"),
)
