"""The supervision service's tables: its read model of the organisation
tree and of activities, closed quotas, and supervision items (督办)."""
from sqlalchemy import (Boolean, Column, Date, DateTime, Integer, MetaData, String, Table, Text,
                        UniqueConstraint, func)

from shared.outbox import messaging_tables

metadata = MetaData()
outbox, processed_events = messaging_tables(metadata)

orgs = Table(
    "orgs", metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("parent_id", String(32), nullable=True),
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("path", Text, nullable=False),
    Column("created_on", Date, nullable=False),
)

activity_facts = Table(
    "activity_facts", metadata,
    Column("activity_id", String(32), primary_key=True),
    Column("org_id", String(32), nullable=False),
    Column("org_path", Text, nullable=False),
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("held_on", Date, nullable=False, index=True),
)

quota_closures = Table(
    "quota_closures", metadata,
    Column("rule", String(32), primary_key=True),
    Column("subject_id", String(32), primary_key=True),
    Column("period", String(8), primary_key=True),
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("required", Integer, nullable=False),
    Column("actual", Integer, nullable=False),  # at the moment of closing
    Column("automatic", Boolean, nullable=False),
    Column("closed_by", String(64), nullable=True),
    Column("closed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

supervision_items = Table(
    "supervision_items", metadata,
    Column("id", String(32), primary_key=True),
    Column("org_id", String(32), nullable=False, index=True),
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("rule", String(32), nullable=False),
    Column("period", String(8), nullable=False),
    Column("state", String(16), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("note", Text, nullable=True),
    UniqueConstraint("rule", "org_id", "period", name="uq_item_per_quota"),
)

auto_closed_periods = Table(
    "auto_closed_periods", metadata,
    Column("period", String(8), primary_key=True),
    Column("closed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
