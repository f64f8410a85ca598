"""supervision items' lifecycle: due day, report, transitions

Revision ID: b7d1e5a3c902
Revises: a4e2c7b9d315
Create Date: 2026-11-27 00:05:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'b7d1e5a3c902'
down_revision = 'b7d3e9a1c4f6'
branch_labels = None
depends_on = None


def _due_days():
    """Each existing item's due day: its opening day in the bureaus' time
    zone plus the days of the supervision rule set in force that day."""
    from services.supervision.domain.items import due_on
    from services.supervision.domain.supervision_rules import SUPERVISION_RULES
    from shared.clock import as_utc
    from shared.config import timezone

    items = sa.table('supervision_items', sa.column('id', sa.String), sa.column('bureau_id'),
                     sa.column('opened_at', sa.DateTime(timezone=True)),
                     sa.column('due_on', sa.Date))
    bind = op.get_bind()
    rows = bind.execute(sa.select(items.c.id, items.c.bureau_id, items.c.opened_at)).all()
    zone = timezone()
    days = {}
    for item_id, bureau_id, opened_at in rows:
        opened_on = as_utc(opened_at).astimezone(zone).date()
        rules = SUPERVISION_RULES.for_day(bureau_id, opened_on)
        days[item_id] = due_on(opened_on, rules.escalate_after_days)
    for item_id, day in days.items():
        bind.execute(sa.update(items).where(items.c.id == item_id).values(due_on=day))


def upgrade():
    with op.batch_alter_table('supervision_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('report', sa.Text(), nullable=True))
    _due_days()
    with op.batch_alter_table('supervision_items', schema=None) as batch_op:
        batch_op.alter_column('due_on', existing_type=sa.Date(), nullable=False)
        batch_op.create_index('ix_supervision_items_state_due', ['state', 'due_on'],
                              unique=False)
    op.create_table(
        'item_transitions',
        sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('item_id', sa.String(length=32), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('by', sa.String(length=128), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('seq'))
    op.create_index('ix_item_transitions_item_id', 'item_transitions', ['item_id'])


def downgrade():
    op.drop_index('ix_item_transitions_item_id', table_name='item_transitions')
    op.drop_table('item_transitions')
    with op.batch_alter_table('supervision_items', schema=None) as batch_op:
        batch_op.drop_index('ix_supervision_items_state_due')
        batch_op.drop_column('report')
        batch_op.drop_column('due_on')
