"""democratic appraisals (民主评议党员)

appraisals: one per branch and year, OPEN then FINALIZED; appraisal_scores:
the scores given, one per SELF/PEER rater, member and part and one ORG per
member (uq_appraisal_score_per_rater, so that two at once cannot both be
written); appraisal_results: a finalized appraisal's results, frozen. The
commands' idempotency keys came with the check-ups (c4e1d2a7b9f3).

Revision ID: 471ddd9c6f03
Revises: c4e1d2a7b9f3
Create Date: 2026-11-26 20:20:46.315172
"""
from alembic import op
import sqlalchemy as sa


revision = '471ddd9c6f03'
down_revision = 'c4e1d2a7b9f3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'appraisals',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('branch_id', sa.String(length=32), nullable=False),
        sa.Column('branch_path', sa.Text(), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('opened_by', sa.String(length=128), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finalized_by', sa.String(length=128), nullable=True),
        sa.Column('finalized_on', sa.Date(), nullable=True),
        sa.Column('rule_set_version', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('branch_id', 'year', name='uq_appraisal_per_branch_year'))
    op.create_table(
        'appraisal_scores',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('appraisal_id', sa.String(length=32), nullable=False),
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.Column('part', sa.String(length=8), nullable=False),
        sa.Column('rater_id', sa.String(length=32), nullable=True),
        sa.Column('rater_key', sa.String(length=32), nullable=False),
        sa.Column('score', sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column('scored_by', sa.String(length=128), nullable=False),
        sa.Column('scored_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('appraisal_id', 'member_id', 'part', 'rater_key',
                            name='uq_appraisal_score_per_rater'))
    op.create_table(
        'appraisal_results',
        sa.Column('appraisal_id', sa.String(length=32), nullable=False),
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('points', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('score', sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column('grade', sa.String(length=32), nullable=True),
        sa.Column('needs_review', sa.Boolean(), nullable=False),
        sa.Column('parts', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('appraisal_id', 'member_id'))


def downgrade():
    op.drop_table('appraisal_results')
    op.drop_table('appraisal_scores')
    op.drop_table('appraisals')
