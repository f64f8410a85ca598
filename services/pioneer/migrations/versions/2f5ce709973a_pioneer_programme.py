"""the pioneer programme (时代先锋, V1-V4)

The empty placeholder ``pioneers`` table gives way to the titles
(``pioneers``, with a partial unique index per holder, category and year and
one per organisation, name, category and year for a post or unit without a
holder, an index on (state, rectify_by) for the withdrawal sweep and a path
index for subtree reads), the committees' reviews (one open per committee
and year, a partial unique index), their ratings as counts and their frozen
results, and the mentoring pairs (one in force per mentor and mentee); the
requests carried out (idempotency_keys) and the kept rule set copies.

Revision ID: 2f5ce709973a
Revises: 12b1b56e4f35
Create Date: 2026-11-26 23:30:00.000000
"""
from alembic import op
import sqlalchemy as sa

from shared.tree import path_index

revision = '2f5ce709973a'
down_revision = '12b1b56e4f35'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pioneers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pioneers_bureau_id'))
    op.drop_table('pioneers')
    op.create_table(
        'pioneers',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('category', sa.String(length=16), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('org_id', sa.String(length=32), nullable=False),
        sa.Column('org_path', sa.Text(), nullable=False),
        sa.Column('committee_id', sa.String(length=32), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('holder_id', sa.String(length=32), nullable=True),
        sa.Column('citation', sa.Text(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('selected_on', sa.Date(), nullable=True),
        sa.Column('rectify_by', sa.Date(), nullable=True),
        sa.Column('nominated_by', sa.String(length=128), nullable=False),
        sa.Column('nominated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('uq_pioneer_holder_category_year', 'pioneers',
                    ['holder_id', 'category', 'year'], unique=True,
                    sqlite_where=sa.text('holder_id IS NOT NULL'),
                    postgresql_where=sa.text('holder_id IS NOT NULL'))
    op.create_index('uq_pioneer_unheld_org_name_year', 'pioneers',
                    ['org_id', 'name', 'category', 'year'], unique=True,
                    sqlite_where=sa.text('holder_id IS NULL'),
                    postgresql_where=sa.text('holder_id IS NULL'))
    op.create_index('ix_pioneers_state_rectify_by', 'pioneers', ['state', 'rectify_by'])
    op.create_index('ix_pioneers_holder_state', 'pioneers', ['holder_id', 'state'])
    path_index(op, 'ix_pioneers_org_path_year', 'pioneers', 'org_path', 'year')

    op.create_table(
        'pioneer_reviews',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('committee_id', sa.String(length=32), nullable=False),
        sa.Column('committee_path', sa.Text(), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('opened_by', sa.String(length=128), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_on', sa.Date(), nullable=True),
        sa.Column('closed_by', sa.String(length=128), nullable=True),
        sa.Column('rule_set_version', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('uq_pioneer_review_open', 'pioneer_reviews', ['committee_id', 'year'],
                    unique=True, sqlite_where=sa.text('closed_on IS NULL'),
                    postgresql_where=sa.text('closed_on IS NULL'))
    op.create_index('ix_pioneer_reviews_committee_year', 'pioneer_reviews',
                    ['committee_id', 'year'])

    op.create_table(
        'pioneer_ratings',
        sa.Column('review_id', sa.String(length=32), nullable=False),
        sa.Column('pioneer_id', sa.String(length=32), nullable=False),
        sa.Column('rater_kind', sa.String(length=16), nullable=False),
        sa.Column('rating', sa.String(length=16), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('review_id', 'pioneer_id', 'rater_kind', 'rating'))
    op.create_index('ix_pioneer_ratings_pioneer_id', 'pioneer_ratings', ['pioneer_id'])

    op.create_table(
        'pioneer_review_results',
        sa.Column('review_id', sa.String(length=32), nullable=False),
        sa.Column('pioneer_id', sa.String(length=32), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('ratings', sa.Integer(), nullable=False),
        sa.Column('average_or_worse', sa.Integer(), nullable=False),
        sa.Column('share', sa.Numeric(precision=6, scale=5), nullable=False),
        sa.Column('closed_on', sa.Date(), nullable=False),
        sa.Column('from_state', sa.String(length=16), nullable=False),
        sa.Column('to_state', sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint('review_id', 'pioneer_id'))
    op.create_index('ix_pioneer_review_results_pioneer_id', 'pioneer_review_results',
                    ['pioneer_id'])

    op.create_table(
        'mentoring_pairs',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('mentor_id', sa.String(length=32), nullable=False),
        sa.Column('mentee_id', sa.String(length=32), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('pioneer_id', sa.String(length=32), nullable=False),
        sa.Column('mentor_org_path', sa.Text(), nullable=False),
        sa.Column('mentee_branch_path', sa.Text(), nullable=False),
        sa.Column('since', sa.Date(), nullable=False),
        sa.Column('ended_on', sa.Date(), nullable=True),
        sa.Column('paired_by', sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('uq_mentoring_pair_in_force', 'mentoring_pairs',
                    ['mentor_id', 'mentee_id'], unique=True,
                    sqlite_where=sa.text('ended_on IS NULL'),
                    postgresql_where=sa.text('ended_on IS NULL'))
    path_index(op, 'ix_mentoring_pairs_mentor_org_path', 'mentoring_pairs', 'mentor_org_path')
    path_index(op, 'ix_mentoring_pairs_mentee_branch_path', 'mentoring_pairs',
               'mentee_branch_path')

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
        'kept_rule_sets',
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('kept_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'name'))


def downgrade():
    for table in ('kept_rule_sets', 'idempotency_keys', 'mentoring_pairs',
                  'pioneer_review_results', 'pioneer_ratings', 'pioneer_reviews', 'pioneers'):
        op.drop_table(table)
    op.create_table(
        'pioneers',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('subject_id', sa.String(length=32), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True),
                  server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_pioneers_bureau_id', 'pioneers', ['bureau_id'])
