"""reminder talks held (约谈提醒) and the negative list's manual entries (负面清单)

Revision ID: b7d41e2c9a60
Revises: a4e2c7b9d315
Create Date: 2026-11-27 00:05:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'b7d41e2c9a60'
down_revision = 'a4e2c7b9d315'
branch_labels = None
depends_on = None


def _quarter_path_index(name, table, first, column):
    """(first, column) with the path column able to serve a prefix LIKE (shared/tree.py)."""
    pattern = "text_pattern_ops" if op.get_bind().dialect.name == "postgresql" \
        else "COLLATE NOCASE"
    op.execute(f"CREATE INDEX {name} ON {table} ({first}, {column} {pattern})")


def upgrade():
    op.create_table(
        'reminder_talks',
        sa.Column('org_id', sa.String(length=32), nullable=False),
        sa.Column('quarter', sa.String(length=8), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('org_path', sa.Text(), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('recorded_by', sa.String(length=128), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True),
                  server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.PrimaryKeyConstraint('org_id', 'quarter'))
    _quarter_path_index('ix_reminder_talks_quarter_path', 'reminder_talks', 'quarter',
                        'org_path')

    op.create_table(
        'negative_list_entries',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('subject_id', sa.String(length=32), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('subject_path', sa.Text(), nullable=False),
        sa.Column('added_by', sa.String(length=128), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True),
                  server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('subject_id', 'year', 'reason', name='uq_negative_list_reason'))
    _quarter_path_index('ix_negative_list_year_path', 'negative_list_entries', 'year',
                        'subject_path')


def downgrade():
    op.drop_index('ix_negative_list_year_path', table_name='negative_list_entries')
    op.drop_table('negative_list_entries')
    op.drop_index('ix_reminder_talks_quarter_path', table_name='reminder_talks')
    op.drop_table('reminder_talks')
