"""signin_failure: the sign-in throttle's failures, shared by every process

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 16:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('signin_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('signin_failure', schema=None) as batch_op:
        batch_op.create_index('ix_signin_failure_name', ['username', 'at'], unique=False)
        batch_op.create_index('ix_signin_failure_address', ['address', 'at'], unique=False)
        batch_op.create_index('ix_signin_failure_at', ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('signin_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_signin_failure_at')
        batch_op.drop_index('ix_signin_failure_address')
        batch_op.drop_index('ix_signin_failure_name')
    op.drop_table('signin_failure')
