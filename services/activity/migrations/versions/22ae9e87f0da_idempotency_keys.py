"""idempotency keys: the commands carried out, each with its answer, for a day

A repeat of a request (a client's retry, a redelivery) finds its row and
gets the answer back instead of doing the work again (shared/idempotency.py).

Revision ID: 22ae9e87f0da
Revises: 253712ccbbf7
Create Date: 2026-11-26 15:01:20.388585
"""
from alembic import op
import sqlalchemy as sa


revision = '22ae9e87f0da'
down_revision = '253712ccbbf7'
branch_labels = None
depends_on = None


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


def downgrade():
    op.drop_index('ix_idempotency_keys_created_at', table_name='idempotency_keys')
    op.drop_table('idempotency_keys')
