"""kept rule sets and parked queues

kept_rule_sets holds the last copy of each rule set file that was read good
(shared/rules.py), so that it stays in force across a restart while the file
is broken; parked_queues says which parking queues hold events of a bureau
that has no valid rule set (shared/parking.py).

Revision ID: e3445c516b63
Revises: 4f31aaf0cf73
Create Date: 2026-11-26 15:04:03.775230
"""
from alembic import op
import sqlalchemy as sa


revision = 'e3445c516b63'
down_revision = '4f31aaf0cf73'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kept_rule_sets',
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('kept_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'name')
    )
    op.create_table('parked_queues',
    sa.Column('queue', sa.String(length=255), nullable=False),
    sa.Column('bureau_id', sa.String(length=64), nullable=False),
    sa.Column('parked_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('queue', 'bureau_id')
    )


def downgrade():
    op.drop_table('parked_queues')
    op.drop_table('kept_rule_sets')
