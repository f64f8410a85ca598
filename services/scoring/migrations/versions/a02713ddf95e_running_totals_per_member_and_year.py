"""running totals per member and year

The ledger is indexed on (member_id, year), and member_year_totals holds what
each member's year sums to, by rule, by category and in all; this revision
fills it from the ledger already posted, set-based.

Revision ID: a02713ddf95e
Revises: dd18c55dd4b5
Create Date: 2026-11-26 12:32:15.840927
"""
from alembic import op
import sqlalchemy as sa


revision = 'a02713ddf95e'
down_revision = 'dd18c55dd4b5'
branch_labels = None
depends_on = None

# One INSERT ... SELECT per scope; the SQL is frozen here, as the schema of
# this revision is, whatever the models become later.
BACKFILL = """
INSERT INTO member_year_totals (member_id, year, scope, name, earned, net)
SELECT member_id, year, '{scope}', {name},
       SUM(CASE WHEN points > 0 THEN points ELSE 0 END), SUM(points)
FROM point_entries
GROUP BY member_id, year{group}
"""


def upgrade():
    op.create_table('member_year_totals',
    sa.Column('member_id', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('earned', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('net', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('member_id', 'year', 'scope', 'name'),
    sqlite_with_rowid=False,
    )
    op.create_index('ix_point_entries_member_year', 'point_entries', ['member_id', 'year'])

    op.execute(BACKFILL.format(scope="rule", name="rule", group=", rule"))
    op.execute(BACKFILL.format(scope="category", name="category", group=", category"))
    op.execute(BACKFILL.format(scope="year", name="''", group=""))
    # every year with postings has its lock row (postings always made one)
    op.execute("""
        INSERT INTO member_years (member_id, year)
        SELECT DISTINCT e.member_id, e.year FROM point_entries e
        WHERE NOT EXISTS (SELECT 1 FROM member_years y
                          WHERE y.member_id = e.member_id AND y.year = e.year)
    """)


def downgrade():
    op.drop_index('ix_point_entries_member_year', table_name='point_entries')
    op.drop_table('member_year_totals')
