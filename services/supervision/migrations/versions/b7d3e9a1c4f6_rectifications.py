"""rectification lists (问题整改清单, U3): one row per item, OVERDUE read from
(state, due); the subtree's items of a year through (org_path, due)

Revision ID: b7d3e9a1c4f6
Revises: a4e2c7b9d315
Create Date: 2026-11-27 00:05:00
"""
from alembic import op
import sqlalchemy as sa

from shared.tree import path_index

revision = 'b7d3e9a1c4f6'
down_revision = 'b7d41e2c9a60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rectifications',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('org_id', sa.String(length=32), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('org_path', sa.Text(), nullable=False),
        sa.Column('problem', sa.Text(), nullable=False),
        sa.Column('measures', sa.JSON(), nullable=False),
        sa.Column('owner_id', sa.String(length=32), nullable=False),
        sa.Column('due', sa.Date(), nullable=False),
        sa.Column('campaign', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('state', sa.String(length=8), nullable=False),
        sa.Column('outcome', sa.Text(), nullable=True),
        sa.Column('closed_on', sa.Date(), nullable=True),
        sa.Column('published', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('made_on', sa.Date(), nullable=False),
        sa.Column('made_by', sa.String(length=128), nullable=False),
        sa.Column('closed_by', sa.String(length=128), nullable=True),
        sa.Column('published_by', sa.String(length=128), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_rectifications_state_due', 'rectifications', ['state', 'due'])
    op.create_index('ix_rectifications_bureau_campaign', 'rectifications',
                    ['bureau_id', 'campaign'])
    path_index(op, 'ix_rectifications_org_path_due', 'rectifications', 'org_path', 'due')


def downgrade():
    op.drop_index('ix_rectifications_org_path_due', table_name='rectifications')
    op.drop_index('ix_rectifications_bureau_campaign', table_name='rectifications')
    op.drop_index('ix_rectifications_state_due', table_name='rectifications')
    op.drop_table('rectifications')
