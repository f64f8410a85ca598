"""talks, minutes and wishes: heart-to-heart talks (谈心谈话, A6), the
minutes of a meeting (议事规则, A10), micro-wishes and proxy service
(微心愿 / 双代, A9)

Revision ID: a8a1c0d2e3f4
Revises: 5d1e7a9c3b40
Create Date: 2026-11-28 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

from shared.tree import path_index

revision = 'a8a1c0d2e3f4'
down_revision = '5d1e7a9c3b40'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'talks',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('org_id', sa.String(length=32), nullable=False),
        sa.Column('org_path', sa.Text(), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('initiator_id', sa.String(length=32), nullable=False),
        sa.Column('other_id', sa.String(length=32), nullable=False),
        sa.Column('notes', sa.Text(), nullable=True),
        sa.Column('recorded_by', sa.String(length=128), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_talks_bureau_id', 'talks', ['bureau_id'])
    path_index(op, 'ix_talks_org_path_held_on', 'talks', 'org_path', 'held_on')
    op.create_table(
        'minutes',
        sa.Column('activity_id', sa.String(length=32), nullable=False),
        sa.Column('topic', sa.String(length=200), nullable=False),
        sa.Column('speaker_ids', sa.JSON(), nullable=False),
        sa.Column('decisions', sa.JSON(), nullable=False),
        sa.Column('recorded_by', sa.String(length=128), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.ForeignKeyConstraint(['activity_id'], ['activities.id']),
        sa.PrimaryKeyConstraint('activity_id'))
    op.create_table(
        'wishes',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('branch_id', sa.String(length=32), nullable=False),
        sa.Column('branch_path', sa.Text(), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('requester', sa.String(length=100), nullable=False),
        sa.Column('contact', sa.String(length=200), nullable=True),
        sa.Column('posted_on', sa.Date(), nullable=False),
        sa.Column('posted_by', sa.String(length=128), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('claimed_by', sa.String(length=32), nullable=True),
        sa.Column('claimed_on', sa.Date(), nullable=True),
        sa.Column('fulfilled_on', sa.Date(), nullable=True),
        sa.Column('settled_on', sa.Date(), nullable=True),
        sa.Column('note', sa.String(length=500), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_wishes_bureau_id', 'wishes', ['bureau_id'])
    path_index(op, 'ix_wishes_branch_path_posted_on', 'wishes', 'branch_path', 'posted_on')


def downgrade():
    op.drop_table('wishes')
    op.drop_table('minutes')
    op.drop_table('talks')
