"""study quota facts: members' roles and contact branches by day, plans and
self-study plans filed, lecture speakers and guests (indexed per member),
and the deadlines judged

The roles each member holds today become their roles since ever (the
history begins with this revision).

Revision ID: 13c280805c73
Revises: 161b286bfbec
Create Date: 2026-11-26 17:20:10.889570
"""
import datetime as dt
import json

from alembic import op
import sqlalchemy as sa


revision = '13c280805c73'
down_revision = '161b286bfbec'
branch_labels = None
depends_on = None

LEADING_ROLES = {"bureau_committee", "bureau_secretary"}


def upgrade():
    op.add_column('activity_facts', sa.Column('speaker_id', sa.String(length=32), nullable=True))
    op.add_column('activity_facts', sa.Column('guests', sa.JSON(), nullable=True))
    op.create_table(
        'member_activities',
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.Column('activity_id', sa.String(length=32), nullable=False),
        sa.Column('role', sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint('member_id', 'activity_id', 'role'))
    roles = op.create_table(
        'member_roles',
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.Column('roles', sa.JSON(), nullable=False),
        sa.Column('leading', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint('member_id', 'valid_from'))
    op.create_index('ix_member_roles_leading', 'member_roles', ['leading', 'member_id'])
    op.create_table(
        'member_contacts',
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.Column('branch_id', sa.String(length=32), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('member_id', 'branch_id'))
    op.create_table(
        'plan_filings',
        sa.Column('org_id', sa.String(length=32), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('org_path', sa.Text(), nullable=False),
        sa.Column('filed_on', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('org_id', 'year', 'kind'))
    op.create_index('ix_plan_filings_bureau_id', 'plan_filings', ['bureau_id'])
    op.create_table(
        'self_study_filings',
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('filed_on', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('member_id', 'year'))
    op.create_index('ix_self_study_filings_bureau_id', 'self_study_filings', ['bureau_id'])
    op.create_table(
        'closed_deadlines',
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('rule', sa.String(length=32), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True),
                  server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.PrimaryKeyConstraint('bureau_id', 'year', 'rule'))

    members = sa.table('members', sa.column('id', sa.String), sa.column('roles', sa.JSON))
    bind = op.get_bind()
    rows = []
    for member_id, held in bind.execute(sa.select(members.c.id, members.c.roles)):
        held = json.loads(held) if isinstance(held, str) else (held or [])
        rows.append({"member_id": member_id, "valid_from": dt.date(1, 1, 1), "roles": held,
                     "leading": bool(LEADING_ROLES & set(held))})
    for i in range(0, len(rows), 2000):
        bind.execute(roles.insert(), rows[i:i + 2000])


def downgrade():
    op.drop_table('closed_deadlines')
    op.drop_index('ix_self_study_filings_bureau_id', table_name='self_study_filings')
    op.drop_table('self_study_filings')
    op.drop_index('ix_plan_filings_bureau_id', table_name='plan_filings')
    op.drop_table('plan_filings')
    op.drop_table('member_contacts')
    op.drop_index('ix_member_roles_leading', table_name='member_roles')
    op.drop_table('member_roles')
    op.drop_table('member_activities')
    with op.batch_alter_table('activity_facts') as batch_op:
        batch_op.drop_column('guests')
        batch_op.drop_column('speaker_id')
