"""study comes alive: read models of the tree, members and held months;
annual plans, theme proposals, self-study plans and entries; idempotency
keys. The unused study_plans table goes.

Revision ID: 7a4c2e9b1f03
Revises: d3d9acb8e6c5
Create Date: 2026-12-02 09:00:00
"""
from alembic import op
import sqlalchemy as sa

from shared.tree import path_index

revision = '7a4c2e9b1f03'
down_revision = 'd3d9acb8e6c5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('study_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_study_plans_owner_id'))
        batch_op.drop_index(batch_op.f('ix_study_plans_bureau_id'))
    op.drop_table('study_plans')

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
        'orgs',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('path', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_orgs_bureau_id', 'orgs', ['bureau_id'])
    path_index(op, 'ix_orgs_path', 'orgs')

    op.create_table(
        'members',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('branch_id', sa.String(length=32), nullable=False),
        sa.Column('branch_path', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_members_bureau_id', 'members', ['bureau_id'])

    op.create_table(
        'held_months',
        sa.Column('org_id', sa.String(length=32), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('org_id', 'year', 'month', 'kind'))

    op.create_table(
        'annual_plans',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('org_id', sa.String(length=32), nullable=False),
        sa.Column('org_path', sa.Text(), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('filed_on', sa.Date(), nullable=False),
        sa.Column('filed_by', sa.String(length=128), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True),
                  server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('org_id', 'year', 'kind', name='uq_plan_per_org_year_kind'))
    op.create_index('ix_annual_plans_bureau_id', 'annual_plans', ['bureau_id'])
    # the plans of a subtree for a year (themeProposals' adoption)
    path_index(op, 'ix_annual_plans_org_path', 'annual_plans', 'org_path', 'year')

    op.create_table(
        'plan_items',
        sa.Column('plan_id', sa.String(length=32), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('theme', sa.String(length=200), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['annual_plans.id']),
        sa.PrimaryKeyConstraint('plan_id', 'position'))

    op.create_table(
        'theme_proposals',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('org_id', sa.String(length=32), nullable=False),
        sa.Column('org_path', sa.Text(), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.Column('theme', sa.String(length=200), nullable=False),
        sa.Column('proposed_on', sa.Date(), nullable=False),
        sa.Column('proposed_by', sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_theme_proposals_bureau_id', 'theme_proposals', ['bureau_id'])
    op.create_index('ix_theme_proposals_member_id', 'theme_proposals', ['member_id'])
    path_index(op, 'ix_theme_proposals_org_path', 'theme_proposals', 'org_path', 'proposed_on')

    op.create_table(
        'self_study_plans',
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('branch_id', sa.String(length=32), nullable=False),
        sa.Column('goals', sa.Text(), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('schedule', sa.Text(), nullable=False),
        sa.Column('safeguards', sa.Text(), nullable=False),
        sa.Column('filed_on', sa.Date(), nullable=False),
        sa.Column('filed_by', sa.String(length=128), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True),
                  server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.PrimaryKeyConstraint('member_id', 'year'))
    op.create_index('ix_self_study_plans_bureau_id', 'self_study_plans', ['bureau_id'])

    op.create_table(
        'self_study_entries',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('branch_id', sa.String(length=32), nullable=False),
        sa.Column('branch_path', sa.Text(), nullable=False),
        sa.Column('on', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('evidence', sa.String(length=500), nullable=True),
        sa.Column('logged_by', sa.String(length=128), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True),
                  server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_self_study_entries_bureau_id', 'self_study_entries', ['bureau_id'])
    op.create_index('ix_self_study_entries_member_on', 'self_study_entries',
                    ['member_id', 'on'])


def downgrade():
    for table in ('self_study_entries', 'self_study_plans', 'theme_proposals', 'plan_items',
                  'annual_plans', 'held_months', 'members', 'orgs', 'idempotency_keys'):
        op.drop_table(table)
    op.create_table(
        'study_plans',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('owner_id', sa.String(length=32), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('filed_on', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True),
                  server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('study_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_study_plans_bureau_id'), ['bureau_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_study_plans_owner_id'), ['owner_id'], unique=False)
