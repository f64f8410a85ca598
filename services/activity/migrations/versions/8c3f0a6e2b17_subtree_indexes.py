"""subtree reads by index

``list_activities`` asks for the activities under an organisation's path in a
span of days: a prefix of ``org_path`` (``shared.tree.under``) then
``held_on``, both in one index built by ``path_index`` for the backend. The
index on ``held_on`` alone goes: SQLite's planner took it for a branch's month
(reading the whole city's month), and no query needs it any more.

Revision ID: 8c3f0a6e2b17
Revises: 745d45c651f2
Create Date: 2026-11-26 12:50:00
"""
from alembic import op

from shared.tree import path_index

revision = '8c3f0a6e2b17'
down_revision = '745d45c651f2'
branch_labels = None
depends_on = None


def upgrade():
    path_index(op, "ix_activities_org_path_held_on", "activities", "org_path", "held_on")
    op.drop_index("ix_activity_held_on", table_name="activities")


def downgrade():
    op.create_index("ix_activity_held_on", "activities", ["held_on"])
    op.drop_index("ix_activities_org_path_held_on", table_name="activities")
