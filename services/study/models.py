"""The study service's tables (S1, S4): annual study plans of committees,
branches and members. Filled by a later issue; the schema is here so the
service migrates and runs with the others."""
from sqlalchemy import Column, Date, DateTime, Integer, MetaData, String, Table, Text, func

from shared.outbox import messaging_tables

metadata = MetaData()
outbox, processed_events = messaging_tables(metadata)

study_plans = Table(
    "study_plans", metadata,
    Column("id", String(32), primary_key=True),
    Column("owner_id", String(32), nullable=False, index=True),  # an org or a member
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("year", Integer, nullable=False),
    Column("content", Text, nullable=False),
    Column("filed_on", Date, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
