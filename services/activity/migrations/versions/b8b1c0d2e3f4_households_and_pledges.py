"""households and pledges: the households members contact (联户) with their
pairing (结对帮扶) and visits, and members' pledges (亮身份亮承诺)

Revision ID: b8b1c0d2e3f4
Revises: a8a1c0d2e3f4
Create Date: 2026-12-02 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

from shared.tree import path_index

revision = 'b8b1c0d2e3f4'
down_revision = 'a8a1c0d2e3f4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'households',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.Column('slot', sa.Integer(), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('branch_id', sa.String(length=32), nullable=False),
        sa.Column('branch_path', sa.Text(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('address', sa.String(length=200), nullable=False),
        sa.Column('phone', sa.String(length=32), nullable=True),
        sa.Column('in_difficulty', sa.Boolean(), nullable=False),
        sa.Column('paired_cadre_id', sa.String(length=32), nullable=True),
        sa.Column('registered_on', sa.Date(), nullable=False),
        sa.Column('registered_by', sa.String(length=128), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True),
                  server_default=sa.text('(CURRENT_TIMESTAMP)'),
                  nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('member_id', 'slot', name='uq_households_member_slot'))
    op.create_table(
        'household_visits',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('household_id', sa.String(length=32), nullable=False),
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.Column('on', sa.Date(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('logged_by', sa.String(length=128), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True),
                  server_default=sa.text('(CURRENT_TIMESTAMP)'),
                  nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['households.id']),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_household_visits_member_on', 'household_visits', ['member_id', 'on'])
    op.create_table(
        'pledges',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('slot', sa.Integer(), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('branch_id', sa.String(length=32), nullable=False),
        sa.Column('branch_path', sa.Text(), nullable=False),
        sa.Column('area', sa.String(length=16), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('due', sa.Date(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('made_on', sa.Date(), nullable=False),
        sa.Column('settled_on', sa.Date(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('made_by', sa.String(length=128), nullable=False),
        sa.Column('settled_by', sa.String(length=128), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True),
                  server_default=sa.text('(CURRENT_TIMESTAMP)'),
                  nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('member_id', 'year', 'slot', name='uq_pledges_member_year_slot'))
    # the sweep reads only what is OPEN and past due
    op.create_index('ix_pledges_state_due', 'pledges', ['state', 'due'])
    path_index(op, 'ix_pledges_branch_path_year', 'pledges', 'branch_path', 'year')


def downgrade():
    op.drop_index('ix_pledges_branch_path_year', table_name='pledges')
    op.drop_index('ix_pledges_state_due', table_name='pledges')
    op.drop_table('pledges')
    op.drop_index('ix_household_visits_member_on', table_name='household_visits')
    op.drop_table('household_visits')
    op.drop_table('households')
