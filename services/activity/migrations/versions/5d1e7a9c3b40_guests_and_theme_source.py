"""guests and theme source: members from outside the holding organisation
who took part (双重组织生活), and where each activity's theme came from (S7)

Activities recorded before have no guests and a theme set by the superior.

Revision ID: 5d1e7a9c3b40
Revises: 22ae9e87f0da
Create Date: 2026-11-26 17:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '5d1e7a9c3b40'
down_revision = '22ae9e87f0da'
branch_labels = None
depends_on = None


def upgrade():
    # a plain ADD COLUMN (no batch copy of the table on SQLite, which would
    # rebuild the path index without its collation)
    op.add_column('activities', sa.Column('theme_source', sa.String(length=16),
                                          nullable=False, server_default='SUPERIOR'))
    op.create_table(
        'activity_guests',
        sa.Column('activity_id', sa.String(length=32), nullable=False),
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['activity_id'], ['activities.id']),
        sa.PrimaryKeyConstraint('activity_id', 'member_id'))


def downgrade():
    op.drop_table('activity_guests')
    op.drop_column('activities', 'theme_source')
