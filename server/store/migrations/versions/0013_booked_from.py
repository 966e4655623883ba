"""appointment.booked_from: the keyed hash of the address that booked (the bookings of a
service one address may hold)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('booked_from', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_column('booked_from')
