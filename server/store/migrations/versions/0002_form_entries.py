"""pre-entry form entries (encrypted) and their audit log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('form_entry',
    sa.Column('ticket', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('office', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('form', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('purge_after', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('ticket')
    )
    with op.batch_alter_table('form_entry', schema=None) as batch_op:
        batch_op.create_index('ix_form_entry_purge', ['purge_after'], unique=False)

    op.create_table('form_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('ticket', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('counter', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('form_audit', schema=None) as batch_op:
        batch_op.create_index('ix_form_audit_ticket', ['ticket'], unique=False)
        batch_op.create_index('ix_form_audit_at', ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('form_audit', schema=None) as batch_op:
        batch_op.drop_index('ix_form_audit_at')
        batch_op.drop_index('ix_form_audit_ticket')
    op.drop_table('form_audit')
    with op.batch_alter_table('form_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_form_entry_purge')
    op.drop_table('form_entry')
