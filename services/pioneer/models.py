"""The pioneer programme's tables (时代先锋, V1-V4): nominations of
individuals, posts and units. Filled by a later issue."""
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, func

from shared.outbox import messaging_tables

metadata = MetaData()
outbox, processed_events = messaging_tables(metadata)

pioneers = Table(
    "pioneers", metadata,
    Column("id", String(32), primary_key=True),
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # INDIVIDUAL, POST or UNIT
    Column("subject_id", String(32), nullable=False),
    Column("year", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
