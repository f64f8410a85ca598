"""the yearly thought survey (思想政治状况调查, U7): surveys, who answered, and
what was answered as counts only

Revision ID: d882056c015d
Revises: a4e2c7b9d315
Create Date: 2026-11-26 23:59:00
"""
from alembic import op
import sqlalchemy as sa

from shared.tree import path_index

revision = 'd882056c015d'
down_revision = 'b7d1e5a3c902'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'surveys',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('committee_id', sa.String(length=32), nullable=False),
        sa.Column('committee_path', sa.Text(), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('questions', sa.JSON(), nullable=False),
        sa.Column('opened_on', sa.Date(), nullable=False),
        sa.Column('opened_by', sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_surveys_bureau_id', 'surveys', ['bureau_id'])
    op.create_index('ix_surveys_committee_year', 'surveys', ['committee_id', 'year'])
    path_index(op, 'ix_surveys_committee_path', 'surveys', 'committee_path', 'year')
    # no time, no sequence: nothing to match against the counts
    op.create_table(
        'survey_respondents',
        sa.Column('survey_id', sa.String(length=32), nullable=False),
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('survey_id', 'member_id'))
    op.create_table(
        'survey_tallies',
        sa.Column('survey_id', sa.String(length=32), nullable=False),
        sa.Column('question', sa.Integer(), nullable=False),
        *(sa.Column(f'chosen_{choice}', sa.Integer(), server_default='0', nullable=False)
          for choice in range(1, 6)),
        sa.PrimaryKeyConstraint('survey_id', 'question'))


def downgrade():
    op.drop_table('survey_tallies')
    op.drop_table('survey_respondents')
    op.execute('DROP INDEX ix_surveys_committee_path')
    op.drop_index('ix_surveys_committee_year', table_name='surveys')
    op.drop_index('ix_surveys_bureau_id', table_name='surveys')
    op.drop_table('surveys')
