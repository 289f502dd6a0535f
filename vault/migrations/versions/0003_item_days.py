"""item days

Revision ID: 0003
Revises: 0002

Every journal item gets the UTC **day** it arrived (``items.day``), the same precision as
``cases.received_day`` and no finer: a proof of report (crypto/SPEC.md §13) can then say on
which day each message or retaliation report reached the server, which is what makes a record
of retaliation legally useful. Items stored before this revision keep ``NULL`` (the proof says
the day is unknown, and it still lies between the case's day and the proof's).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("items", sa.Column("day", sa.Date(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE items DROP COLUMN day")
