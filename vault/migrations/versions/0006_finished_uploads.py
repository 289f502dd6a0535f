"""uploads.sha256: a finished upload keeps its blob's address until the session expires

Revision ID: 0006
Revises: 0005

The intake finishes an upload on the piece that completes it (no separate round trip); a
browser whose answer to that piece was lost asks again, and the session, kept with the blob's
address, answers it. A nullable column added in place on both backends; sessions open at the
upgrade have none and finish as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("uploads", sa.Column("sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("uploads", "sha256")
