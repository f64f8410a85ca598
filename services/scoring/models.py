"""The scoring service's tables: the append-only points ledger (P1) and a
row per member and year that postings lock, so caps hold across replicas."""
from sqlalchemy import (Column, Date, DateTime, Integer, MetaData, Numeric, String, Table,
                        Text, UniqueConstraint, func)

from shared.outbox import messaging_tables

metadata = MetaData()
outbox, processed_events = messaging_tables(metadata)

point_entries = Table(
    "point_entries", metadata,
    Column("id", String(32), primary_key=True),
    Column("member_id", String(32), nullable=False),
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("year", Integer, nullable=False),
    Column("rule", String(64), nullable=False),
    Column("category", String(64), nullable=False),
    Column("points", Numeric(8, 2), nullable=False),
    Column("source_event", String(64), nullable=True),  # null: a manual adjustment
    Column("occurred_on", Date, nullable=False),
    Column("reason", Text, nullable=True),
    Column("posted_by", String(64), nullable=True),
    Column("rule_set_version", Integer, nullable=True),
    Column("posted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("source_event", "member_id", "rule", name="uq_entry_per_event"),
)

member_years = Table(
    "member_years", metadata,
    Column("member_id", String(32), primary_key=True),
    Column("year", Integer, primary_key=True),
)
