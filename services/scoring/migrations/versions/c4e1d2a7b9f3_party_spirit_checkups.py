"""party-spirit check-ups (党性教育体检) and the commands carried out

A member's check-up for a year (checkups), the check-ups a later one
replaced (checkup_history), and the requests carried out (idempotency_keys,
shared/idempotency.py): recording a check-up is this service's first command.

Revision ID: c4e1d2a7b9f3
Revises: 35a01700390f
Create Date: 2026-11-26 20:40:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'c4e1d2a7b9f3'
down_revision = '35a01700390f'
branch_labels = None
depends_on = None


def _checkup_columns():
    return [
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('branch_id', sa.String(length=32), nullable=False),
        sa.Column('post_type', sa.String(length=32), nullable=False),
        sa.Column('scores', sa.JSON(), nullable=False),
        sa.Column('total', sa.Numeric(9, 4), nullable=False),
        sa.Column('health', sa.String(length=16), nullable=False),
        sa.Column('by_dimension', sa.JSON(), nullable=False),
        sa.Column('rule_set_version', sa.Integer(), nullable=False),
        sa.Column('recorded_on', sa.Date(), nullable=False),
        sa.Column('recorded_by', sa.String(length=128), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade():
    op.create_table(
        'idempotency_keys',
        sa.Column('request_id', sa.String(length=64), nullable=False),
        sa.Column('subject', sa.Text(), nullable=False),
        sa.Column('key', sa.Text(), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True),
                  server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.PrimaryKeyConstraint('request_id'))
    op.create_index('ix_idempotency_keys_created_at', 'idempotency_keys', ['created_at'])
    op.create_table(
        'checkups',
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        *_checkup_columns(),
        sa.PrimaryKeyConstraint('member_id', 'year'))
    op.create_index('ix_checkups_bureau_id', 'checkups', ['bureau_id'])
    op.create_table(
        'checkup_history',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        *_checkup_columns(),
        sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('replaced_by', sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_checkup_history_member_year', 'checkup_history',
                    ['member_id', 'year'])


def downgrade():
    op.drop_index('ix_checkup_history_member_year', table_name='checkup_history')
    op.drop_table('checkup_history')
    op.drop_index('ix_checkups_bureau_id', table_name='checkups')
    op.drop_table('checkups')
    op.drop_index('ix_idempotency_keys_created_at', table_name='idempotency_keys')
    op.drop_table('idempotency_keys')
