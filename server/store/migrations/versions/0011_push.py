"""Web Push: the visitors' subscriptions (push_subscription) and the queued notices
(push_job), server/push/

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 19:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'push_subscription',
        sa.Column('ticket', sa.String(length=32), nullable=False),
        sa.Column('endpoint', sa.String(length=1000), nullable=False),
        sa.Column('office', sa.String(length=40), nullable=False),
        sa.Column('p256dh', sa.String(length=200), nullable=False),
        sa.Column('auth', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('ticket', 'endpoint'),
    )
    op.create_table(
        'push_job',
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('ticket', sa.String(length=32), nullable=False),
        sa.Column('endpoint', sa.String(length=1000), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_index('ix_push_job_due', 'push_job', ['sent_at', 'due_at'])


def downgrade() -> None:
    op.drop_index('ix_push_job_due', table_name='push_job')
    op.drop_table('push_job')
    op.drop_table('push_subscription')
