"""The study service's tables: its read models of the organisation tree, of
members and of the months in which each organisation held an activity of
each kind (fed by events only), and what it owns: annual plans (S1, A2),
theme proposals (S7), self-study plans and log entries (S4)."""
from sqlalchemy import (Column, Date, DateTime, ForeignKey, Index, Integer, MetaData, String,
                        Table, Text, UniqueConstraint, func)

from shared.idempotency import idempotency_table
from shared.outbox import messaging_tables
from shared.read_models import tree_tables

metadata = MetaData()
outbox, processed_events = messaging_tables(metadata)
idempotency_keys = idempotency_table(metadata)  # the commands carried out (a day)

# -- read models ------------------------------------------------------------------

orgs, members = tree_tables(metadata)  # shared/read_models.py

# (organisation, year, month, activity kind) held by the organisation or an
# organisation below it: what PlanItem.held reads. A fact told again adds
# nothing (the key), so its cost never grows with history.
held_months = Table(
    "held_months", metadata,
    Column("org_id", String(32), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("month", Integer, primary_key=True),
    Column("kind", String(32), primary_key=True),
)

# -- owned ------------------------------------------------------------------------

annual_plans = Table(
    "annual_plans", metadata,
    Column("id", String(32), primary_key=True),
    Column("org_id", String(32), nullable=False),
    Column("org_path", Text, nullable=False),  # indexed for prefix LIKE
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("year", Integer, nullable=False),
    Column("kind", String(16), nullable=False),      # STUDY or MEETINGS
    Column("filed_on", Date, nullable=False),        # the first filing
    Column("filed_by", String(128), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("org_id", "year", "kind", name="uq_plan_per_org_year_kind"),
)

plan_items = Table(
    "plan_items", metadata,
    Column("plan_id", String(32), ForeignKey("annual_plans.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("month", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("theme", String(200), nullable=False),
    Column("source", String(16), nullable=False),
)

theme_proposals = Table(
    "theme_proposals", metadata,
    Column("id", String(32), primary_key=True),
    Column("org_id", String(32), nullable=False),
    Column("org_path", Text, nullable=False),  # indexed for prefix LIKE, with the day
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("member_id", String(32), nullable=False, index=True),
    Column("theme", String(200), nullable=False),
    Column("proposed_on", Date, nullable=False),
    Column("proposed_by", String(128), nullable=False),
)

self_study_plans = Table(
    "self_study_plans", metadata,
    Column("member_id", String(32), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("branch_id", String(32), nullable=False),
    Column("goals", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("schedule", Text, nullable=False),
    Column("safeguards", Text, nullable=False),
    Column("filed_on", Date, nullable=False),        # the first filing
    Column("filed_by", String(128), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

self_study_entries = Table(
    "self_study_entries", metadata,
    Column("id", String(32), primary_key=True),
    Column("member_id", String(32), nullable=False),
    Column("bureau_id", String(32), nullable=False, index=True),
    # the member's branch when the entry was logged: who may see it
    Column("branch_id", String(32), nullable=False),
    Column("branch_path", Text, nullable=False),
    Column("on", Date, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("title", String(200), nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("evidence", String(500), nullable=True),
    Column("logged_by", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_self_study_entries_member_on", "member_id", "on"),
)
