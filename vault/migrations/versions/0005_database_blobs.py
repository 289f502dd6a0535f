"""database blob store: blob_contents, blob_chunks

Revision ID: 0005
Revises: 0004

The tables of ``blob_store = "database"`` (vault/dbblobs.py, vault/dbuploads.py), so intake
nodes on several machines share blobs and unfinished uploads (blobs without an address yet)
through PostgreSQL alone. Empty
and unused with the file store. A blob is chunked (about 1 MiB a row) so no process ever holds
a whole envelope in memory.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blob_contents",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blob_contents")),
        sa.UniqueConstraint("sha256", name=op.f("uq_blob_contents_sha256")),
    )
    op.create_table(
        "blob_chunks",
        sa.Column("content_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["blob_contents.id"],
            ondelete="CASCADE",
            name=op.f("fk_blob_chunks_content_id_blob_contents"),
        ),
        sa.PrimaryKeyConstraint("content_id", "at", name=op.f("pk_blob_chunks")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # ciphertext does not compress: store it out of line as it is, without pglz trying
        op.execute("ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_table("blob_chunks")
    op.drop_table("blob_contents")
