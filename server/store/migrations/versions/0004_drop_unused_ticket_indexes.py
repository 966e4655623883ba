"""drop ix_ticket_queue and ix_ticket_counter: no query uses them since 0003

Every query on waiting or held tickets also names the day, and ix_ticket_line (office,
day, status, service, queued_at) answers all of them: SQLite's planner chose it for each
one (EXPLAIN QUERY PLAN) while the two older indexes were still there. They only cost
writes: each new ticket touched their pages too, a seventh of the writer's time per
ticket on SQLite.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 15:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_queue')
        batch_op.drop_index('ix_ticket_counter')


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_counter', ['office', 'counter', 'status'], unique=False)
        batch_op.create_index('ix_ticket_queue', ['office', 'service', 'status'], unique=False)
