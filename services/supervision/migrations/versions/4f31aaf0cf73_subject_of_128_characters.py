"""closed_by holds a token subject of up to 128 characters

The gateway refuses a token whose ``sub`` is longer (gateway/auth.py); one of
65 to 128 characters used to be accepted and then fail to record on
PostgreSQL. SQLite does not hold a VARCHAR to its length, and its table is
left as it is rather than copied whole.

Revision ID: 4f31aaf0cf73
Revises: 5e1c0a7d2b91
Create Date: 2026-11-27 10:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '4f31aaf0cf73'
down_revision = '5e1c0a7d2b91'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("quota_closures", "closed_by", type_=sa.String(length=128),
                        existing_type=sa.String(length=64), existing_nullable=True)


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("quota_closures", "closed_by", type_=sa.String(length=64),
                        existing_type=sa.String(length=128), existing_nullable=True)
