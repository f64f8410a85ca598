"""party-spirit check-ups (党性教育体检) told by scoring, each member's year once (P5)

Revision ID: d7a3f1c9e2b4
Revises: c8c1a5e0f6d2
Create Date: 2026-11-26 20:45:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'd7a3f1c9e2b4'
down_revision = 'c8c1a5e0f6d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'checkup_facts',
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('recorded_on', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('member_id', 'year'))
    op.create_index('ix_checkup_facts_bureau_id', 'checkup_facts', ['bureau_id'])


def downgrade():
    op.drop_index('ix_checkup_facts_bureau_id', table_name='checkup_facts')
    op.drop_table('checkup_facts')
