"""cases.followup_public: the receipt-derived key that signs follow-ups (crypto/SPEC.md §12)

Revision ID: 0004
Revises: 0003

A nullable column: cases made before it have no key, and their follow-ups stay unproven to
reviewers. A plain ``ALTER TABLE … ADD COLUMN`` on both backends (no SQLite table rebuild,
which would cascade-delete every item with foreign keys on).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("followup_public", sa.LargeBinary(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column("cases", "followup_public")
