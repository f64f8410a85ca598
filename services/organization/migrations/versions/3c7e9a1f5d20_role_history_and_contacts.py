"""role history and contact branches: member_roles keeps each member's roles
through time (filled from members.roles, held since before records began);
contact_branches keeps the branches bureau committee members contact (联系点)

Revision ID: 3c7e9a1f5d20
Revises: d9c2dbc295aa
Create Date: 2026-11-26 17:40:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '3c7e9a1f5d20'
down_revision = 'd9c2dbc295aa'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'member_roles',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.Column('roles', sa.JSON(), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=True),
        sa.Column('valid_to', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['member_id'], ['members.id']),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_member_roles_member', 'member_roles', ['member_id'])
    # one statement, however many members: the roles held now, since always
    op.execute("INSERT INTO member_roles (member_id, roles, valid_from, valid_to) "
               "SELECT id, roles, NULL, NULL FROM members")
    op.create_table(
        'contact_branches',
        sa.Column('member_id', sa.String(length=32), nullable=False),
        sa.Column('branch_id', sa.String(length=32), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['members.id']),
        sa.ForeignKeyConstraint(['branch_id'], ['organizations.id']),
        sa.PrimaryKeyConstraint('member_id', 'branch_id', name='pk_contact_branches'))
    op.create_index('ix_contact_branches_branch', 'contact_branches', ['branch_id'])


def downgrade():
    op.drop_index('ix_contact_branches_branch', table_name='contact_branches')
    op.drop_table('contact_branches')
    op.drop_index('ix_member_roles_member', table_name='member_roles')
    op.drop_table('member_roles')
