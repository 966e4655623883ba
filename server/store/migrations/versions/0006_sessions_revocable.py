"""sessions and tokens end on the server: staff_user.sessions_after, revoked_session

A staff token or browser session is good only while its user exists, with the role it was
signed with, and it was signed after the user's sessions_after (moved by a password or
role change); a signed-out one is listed in revoked_session until it would have expired.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('sessions_after', sa.Float(), nullable=False, server_default='0')
        )
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.alter_column('sessions_after', server_default=None)
    op.create_table(
        'revoked_session',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('expires_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(
        op.f('ix_revoked_session_expires_at'), 'revoked_session', ['expires_at'], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_revoked_session_expires_at'), table_name='revoked_session')
    op.drop_table('revoked_session')
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('sessions_after')
