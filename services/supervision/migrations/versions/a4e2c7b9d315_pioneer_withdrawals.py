"""pioneer titles withdrawn (摘牌, V3) told by pioneer, each once

Revision ID: a4e2c7b9d315
Revises: d7a3f1c9e2b4
Create Date: 2026-11-26 23:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'a4e2c7b9d315'
down_revision = 'd7a3f1c9e2b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pioneer_withdrawals',
        sa.Column('pioneer_id', sa.String(length=32), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('committee_id', sa.String(length=32), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('on', sa.Date(), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('pioneer_id'))
    op.create_index('ix_pioneer_withdrawals_bureau_year', 'pioneer_withdrawals',
                    ['bureau_id', 'year'])
    op.create_index('ix_pioneer_withdrawals_committee_year', 'pioneer_withdrawals',
                    ['committee_id', 'year'])


def downgrade():
    op.drop_index('ix_pioneer_withdrawals_committee_year', table_name='pioneer_withdrawals')
    op.drop_index('ix_pioneer_withdrawals_bureau_year', table_name='pioneer_withdrawals')
    op.drop_table('pioneer_withdrawals')
