"""manual adjustments, dues, dimensions and dual records

Every ledger entry names its four-qualified dimension (四个合格): the entries
already posted get the default of their category, and member_year_totals
gets the per-dimension totals they sum to. New tables: the append-only
audit trail of manual adjustments (a trigger refuses UPDATE and DELETE on
either backend), the dues paid per member and month, the dual-record
counters per member and year, and the contact branches learnt from
contact_branch_assigned (the commands' idempotency keys came with the
check-ups, c4e1d2a7b9f3).

Revision ID: 5c0d1e2a3b47
Revises: 471ddd9c6f03
Create Date: 2026-11-26 20:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '5c0d1e2a3b47'
down_revision = '471ddd9c6f03'
branch_labels = None
depends_on = None

# The shipped defaults (rules/points/default.yaml, category_dimensions) as
# they were when dimensions came: frozen here, as the schema of this revision is.
DEFAULTS = {"study": "POLITICAL", "organisational-life": "DISCIPLINE",
            "obligations": "DISCIPLINE", "discipline": "DISCIPLINE",
            "serving-the-public": "CONDUCT", "contribution": "CONTRIBUTION"}

REFUSAL = "the audit trail of manual adjustments cannot be changed"

SQLITE_TRIGGERS = [f"""
CREATE TRIGGER adjustment_audit_no_{verb.lower()} BEFORE {verb} ON adjustment_audit
BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END
""" for verb in ("UPDATE", "DELETE")]

POSTGRES_TRIGGERS = [f"""
CREATE FUNCTION adjustment_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$
""", """
CREATE TRIGGER adjustment_audit_append_only BEFORE UPDATE OR DELETE ON adjustment_audit
FOR EACH ROW EXECUTE FUNCTION adjustment_audit_refuse()
"""]


def upgrade():
    op.add_column('point_entries', sa.Column('dimension', sa.String(length=16), nullable=True))
    cases = " ".join(f"WHEN '{c}' THEN '{d}'" for c, d in sorted(DEFAULTS.items()))
    op.execute(f"UPDATE point_entries SET dimension = CASE category {cases} END")
    op.execute("""
        INSERT INTO member_year_totals (member_id, year, scope, name, earned, net)
        SELECT member_id, year, 'dimension', dimension,
               SUM(CASE WHEN points > 0 AND source_event IS NOT NULL THEN points ELSE 0 END),
               SUM(points)
        FROM point_entries WHERE dimension IS NOT NULL
        GROUP BY member_id, year, dimension
    """)

    op.create_table(
        'adjustment_audit',
        sa.Column('entry_id', sa.String(length=32), nullable=False),
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('points', sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column('category', sa.String(length=64), nullable=False),
        sa.Column('dimension', sa.String(length=16), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('occurred_on', sa.Date(), nullable=False),
        sa.Column('adjusted_by', sa.String(length=128), nullable=False),
        sa.Column('adjusted_at', sa.DateTime(timezone=True),
                  server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('request', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('entry_id'))
    op.create_index('ix_adjustment_audit_member_id', 'adjustment_audit', ['member_id'])
    dialect = op.get_bind().dialect.name
    for statement in POSTGRES_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)

    op.create_table(
        'dues_payments',
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column('paid_on', sa.Date(), nullable=False),
        sa.Column('entry_id', sa.String(length=32), nullable=False),
        sa.Column('recorded_by', sa.String(length=128), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True),
                  server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.PrimaryKeyConstraint('member_id', 'month', name='pk_dues_payments'))

    op.create_table(
        'dual_record_counts',
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('counter', sa.String(length=32), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('member_id', 'year', 'counter'),
        sqlite_with_rowid=False)

    op.create_table(
        'contact_branches',
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.Column('branch_id', sa.String(length=32), nullable=False),
        sa.Column('branch_path', sa.Text(), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('member_id', 'branch_id'))


def downgrade():
    op.drop_table('contact_branches')
    op.drop_table('dual_record_counts')
    op.drop_table('dues_payments')
    op.drop_table('adjustment_audit')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION adjustment_audit_refuse()")
    op.execute("DELETE FROM member_year_totals WHERE scope = 'dimension'")
    op.drop_column('point_entries', 'dimension')

