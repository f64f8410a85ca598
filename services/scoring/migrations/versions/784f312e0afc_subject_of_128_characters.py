"""posted_by holds a token subject of up to 128 characters

The gateway refuses a token whose ``sub`` is longer (gateway/auth.py); one of
65 to 128 characters used to be accepted and then fail to record on
PostgreSQL. SQLite does not hold a VARCHAR to its length, and its table is
left as it is rather than copied whole.

Revision ID: 784f312e0afc
Revises: a02713ddf95e
Create Date: 2026-11-27 10:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '784f312e0afc'
down_revision = 'a02713ddf95e'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("point_entries", "posted_by", type_=sa.String(length=128),
                        existing_type=sa.String(length=64), existing_nullable=True)


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("point_entries", "posted_by", type_=sa.String(length=64),
                        existing_type=sa.String(length=128), existing_nullable=True)
