"""cases without channel

Revision ID: 0002
Revises: 0001

The ``cases.channel`` column said whether a report came through the browser (JavaScript on)
or the no-JavaScript form — a hint that the reporter used Tor Browser's "Safest" level, kept
in the clear for whoever seizes the server. The channel stays only inside the sealed report
document, where reviewers read it.

A plain ``ALTER TABLE … DROP COLUMN`` on both backends (SQLite ≥ 3.35): a table rebuild (the
SQLite "batch" way) would drop ``cases`` with foreign keys on and cascade-delete every item.
The downgrade cannot restore the values (they are gone from the database by design); it
fills ``server`` for every case.
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE cases DROP COLUMN channel")


def downgrade() -> None:
    op.execute("ALTER TABLE cases ADD COLUMN channel VARCHAR(16) NOT NULL DEFAULT 'server'")
