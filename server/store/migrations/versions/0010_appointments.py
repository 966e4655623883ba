"""appointments (予約): the appointment table, and ticket.booked (a booking checked in in
time, which call_policy calls from its slot's start ahead of walk-ins)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 19:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'appointment',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('office', sa.String(length=40), nullable=False),
        sa.Column('service', sa.String(length=40), nullable=False),
        sa.Column('start', sa.DateTime(timezone=True), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('code', sa.String(length=16), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('lang', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('booked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=True),
        sa.Column('ticket', sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token'),
        sa.UniqueConstraint('office', 'code', name='uq_appointment_code'),
        sa.UniqueConstraint('office', 'key', name='uq_appointment_key'),
    )
    op.create_index('ix_appointment_slot', 'appointment', ['office', 'service', 'start'])
    with op.batch_alter_table('ticket') as batch_op:
        batch_op.add_column(
            sa.Column('booked', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table('ticket') as batch_op:
        batch_op.alter_column('booked', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('ticket') as batch_op:
        batch_op.drop_column('booked')
    op.drop_index('ix_appointment_slot', table_name='appointment')
    op.drop_table('appointment')
