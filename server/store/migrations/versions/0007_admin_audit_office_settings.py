"""the supervisors' audit log (admin_audit) and the office's settings, versioned
(office_setting: one row per revision, the newest is in force)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('settings_revision', sa.Integer(), nullable=False, server_default='0')
        )
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.alter_column('settings_revision', server_default=None)
    op.create_table(
        'admin_audit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('office', sa.String(length=40), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor', sa.String(length=80), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('target', sa.String(length=120), nullable=True),
        sa.Column('before', sa.Text(), nullable=False),
        sa.Column('after', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_admin_audit_office_at', 'admin_audit', ['office', 'at'], unique=False)
    op.create_table(
        'office_setting',
        sa.Column('office', sa.String(length=40), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('document', sa.Text(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor', sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint('office', 'revision'),
    )


def downgrade() -> None:
    op.drop_table('office_setting')
    op.drop_index('ix_admin_audit_office_at', table_name='admin_audit')
    op.drop_table('admin_audit')
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.drop_column('settings_revision')
