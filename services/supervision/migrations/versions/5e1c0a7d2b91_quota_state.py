"""quota state kept as facts arrive; members read model; subtree indexes

Revision ID: 5e1c0a7d2b91
Revises: bdf6db5aa5db
Create Date: 2026-11-26 13:05:00
"""
from alembic import op
import sqlalchemy as sa

from shared.tree import path_index

revision = '5e1c0a7d2b91'
down_revision = 'bdf6db5aa5db'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'quota_state',
        sa.Column('rule', sa.String(length=32), nullable=False),
        sa.Column('subject_id', sa.String(length=32), nullable=False),
        sa.Column('period', sa.String(length=8), nullable=False),
        sa.Column('member', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('subject_path', sa.Text(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('required', sa.Integer(), nullable=False),
        sa.Column('actual', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('closed', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint('rule', 'subject_id', 'period'))
    op.create_index('ix_quota_state_bureau_id', 'quota_state', ['bureau_id'])
    op.create_index('ix_quota_state_subject', 'quota_state', ['subject_id'])
    # compliance(org, period): one period, the subjects under a path prefix
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE INDEX ix_quota_state_period_path ON quota_state "
                   "(period, subject_path text_pattern_ops)")
    else:
        op.execute("CREATE INDEX ix_quota_state_period_path ON quota_state "
                   "(period, subject_path COLLATE NOCASE)")

    op.create_table(
        'quota_derivations',
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('derived_at', sa.DateTime(timezone=True),
                  server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.PrimaryKeyConstraint('bureau_id'))

    op.create_table(
        'members',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('branch_id', sa.String(length=32), nullable=False),
        sa.Column('branch_path', sa.Text(), nullable=False),
        sa.Column('roles', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_members_bureau_id', 'members', ['bureau_id'])
    path_index(op, 'ix_members_branch_path', 'members', 'branch_path')

    with op.batch_alter_table('activity_facts') as batch_op:
        batch_op.add_column(sa.Column('present', sa.JSON(), nullable=True))

    op.create_index('ix_orgs_parent_id', 'orgs', ['parent_id'])
    op.create_index('ix_orgs_created_on', 'orgs', ['created_on'])
    path_index(op, 'ix_orgs_path', 'orgs', 'path')


def downgrade():
    op.drop_index('ix_orgs_path', table_name='orgs')
    op.drop_index('ix_orgs_created_on', table_name='orgs')
    op.drop_index('ix_orgs_parent_id', table_name='orgs')
    with op.batch_alter_table('activity_facts') as batch_op:
        batch_op.drop_column('present')
    op.drop_table('members')
    op.drop_table('quota_derivations')
    op.drop_table('quota_state')
