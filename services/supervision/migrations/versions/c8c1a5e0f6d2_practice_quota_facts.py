"""practice quota facts: talks, household contacts and pledges (each once),
the things the practice quotas counted (quota_marks); the roles the new
quotas judge by the day (county_cadre, secretary) are leading roles too

Revision ID: c8c1a5e0f6d2
Revises: 13c280805c73
Create Date: 2026-11-26 18:10:00
"""
import json

from alembic import op
import sqlalchemy as sa


revision = 'c8c1a5e0f6d2'
down_revision = '13c280805c73'
branch_labels = None
depends_on = None

NEWLY_LEADING = {"county_cadre", "secretary"}


def upgrade():
    op.create_table(
        'talk_facts',
        sa.Column('talk_id', sa.String(length=32), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('org_path', sa.Text(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('initiator_id', sa.String(length=32), nullable=False),
        sa.Column('other_id', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('talk_id'))
    op.create_index('ix_talk_facts_bureau_id', 'talk_facts', ['bureau_id'])
    op.create_index('ix_talk_facts_initiator_id', 'talk_facts', ['initiator_id'])
    op.create_index('ix_talk_facts_other_id', 'talk_facts', ['other_id'])
    op.create_table(
        'household_contacts',
        sa.Column('contact_id', sa.String(length=48), nullable=False),
        sa.Column('household_id', sa.String(length=32), nullable=False),
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('branch_path', sa.Text(), nullable=False),
        sa.Column('on', sa.Date(), nullable=False),
        sa.Column('in_difficulty', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('paired_cadre_id', sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint('contact_id'))
    op.create_index('ix_household_contacts_bureau_id', 'household_contacts', ['bureau_id'])
    op.create_index('ix_household_contacts_paired_cadre_id', 'household_contacts',
                    ['paired_cadre_id'])
    op.create_table(
        'pledge_facts',
        sa.Column('pledge_id', sa.String(length=32), nullable=False),
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('branch_path', sa.Text(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('made_on', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('pledge_id'))
    op.create_index('ix_pledge_facts_bureau_id', 'pledge_facts', ['bureau_id'])
    op.create_table(
        'quota_marks',
        sa.Column('rule', sa.String(length=32), nullable=False),
        sa.Column('subject_id', sa.String(length=32), nullable=False),
        sa.Column('period', sa.String(length=8), nullable=False),
        sa.Column('thing', sa.String(length=80), nullable=False),
        sa.Column('bureau_id', sa.String(length=32), nullable=False),
        sa.Column('times', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('rule', 'subject_id', 'period', 'thing'))
    op.create_index('ix_quota_marks_bureau_id', 'quota_marks', ['bureau_id'])

    roles = sa.table('member_roles', sa.column('member_id', sa.String),
                     sa.column('valid_from', sa.Date), sa.column('roles', sa.JSON),
                     sa.column('leading', sa.Boolean))
    bind = op.get_bind()
    for member_id, since, held in bind.execute(
            sa.select(roles.c.member_id, roles.c.valid_from, roles.c.roles)
            .where(roles.c.leading.is_(False))).all():
        held = json.loads(held) if isinstance(held, str) else (held or [])
        if NEWLY_LEADING & set(held):
            bind.execute(roles.update().where(roles.c.member_id == member_id,
                                              roles.c.valid_from == since)
                         .values(leading=True))


def downgrade():
    op.drop_index('ix_household_contacts_paired_cadre_id', table_name='household_contacts')
    op.drop_index('ix_talk_facts_other_id', table_name='talk_facts')
    op.drop_index('ix_talk_facts_initiator_id', table_name='talk_facts')
    for table in ('quota_marks', 'pledge_facts', 'household_contacts', 'talk_facts'):
        op.drop_index(f'ix_{table}_bureau_id', table_name=table)
        op.drop_table(table)
