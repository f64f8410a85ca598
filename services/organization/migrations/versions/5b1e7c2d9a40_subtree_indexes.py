"""subtree reads by index

The subtree of an organisation is every row whose path starts with its path
(``shared.tree.under``); ``path_index`` builds the index that serves that
prefix on each backend. Who belonged to the branches of a subtree on a day is
then read through memberships by branch, with the dates and the member in the
index so the rows themselves are not visited.

Revision ID: 5b1e7c2d9a40
Revises: 69f8075efe33
Create Date: 2026-11-26 12:50:00
"""
from alembic import op

from shared.tree import path_index

revision = '5b1e7c2d9a40'
down_revision = '69f8075efe33'
branch_labels = None
depends_on = None


def upgrade():
    path_index(op, "ix_organizations_path", "organizations", "path")
    op.create_index('ix_membership_branch_day', 'memberships',
                    ['branch_id', 'valid_from', 'valid_to', 'member_id', 'group_id'])
    op.drop_index('ix_membership_branch', table_name='memberships')


def downgrade():
    op.create_index('ix_membership_branch', 'memberships', ['branch_id'])
    op.drop_index('ix_membership_branch_day', table_name='memberships')
    op.drop_index("ix_organizations_path", table_name="organizations")
