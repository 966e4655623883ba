"""staff accounts managed from the console: staff_user.disabled, the counters and areas a
clerk may work (JSON lists, NULL for any), and when the user last signed in

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 19:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('disabled', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column('counters', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('areas', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('last_signin_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.alter_column('disabled', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('last_signin_at')
        batch_op.drop_column('areas')
        batch_op.drop_column('counters')
        batch_op.drop_column('disabled')
