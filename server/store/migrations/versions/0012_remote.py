"""tickets from home: ticket.remote, the phone's key (device), arrival, a kept call and
the visitor's one delay

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 19:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('remote', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column('device', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('kept_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('delays', sa.Integer(), nullable=False, server_default='0')
        )
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.alter_column('remote', server_default=None)
        batch_op.alter_column('delays', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('delays')
        batch_op.drop_column('kept_at')
        batch_op.drop_column('arrived_at')
        batch_op.drop_column('device')
        batch_op.drop_column('remote')
