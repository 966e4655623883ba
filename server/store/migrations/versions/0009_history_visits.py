"""imported history (history_visit): rows of a past log in the format of log.csv, for the
days the event log does not cover (`madoguchi history import`)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'history_visit',
        sa.Column('office', sa.String(length=40), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('ticket', sa.String(length=16), nullable=False),
        sa.Column('service', sa.String(length=40), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('called_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('counter', sa.String(length=40), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint('office', 'day', 'ticket', 'service', 'issued_at'),
    )


def downgrade() -> None:
    op.drop_table('history_visit')
