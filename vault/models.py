"""SQLAlchemy 2 models of the vault: the whole schema, and nothing readable in it.

Rules every column follows (the seizure test checks the result): no plaintext, no address, no
browser string, no file name, no receipt (only the keyed lookup tag), and no time finer than a
UTC day for anything a reporter did. Reviewer record times stay inside the signed records; the
``order_key`` column repeats the record's own sort key so the newest status can be found.

The Alembic migrations in ``vault/migrations`` must produce exactly this metadata
(tests/vault/test_migrations.py compares them).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ITEM_KINDS = (
    "report",
    "message",
    "retaliation",
    "status",
    "reply",
    "consent",
    "link",
    "track",
)  # track: SPEC §16


class Base(DeclarativeBase):
    """The declarative base: one metadata with stable constraint names (for migrations)."""

    metadata = MetaData(naming_convention=NAMING)


class Case(Base):
    """A case: opaque id, lookup tag (HMAC of the receipt's lookup id), reply key, day.

    No intake channel: whether the report came with JavaScript on (a hint at Tor Browser's
    "Safest" level) is kept only inside the sealed report document.

    ``followup_public`` is the receipt-derived Ed25519 key that signs the reporter's later
    items (crypto/SPEC.md §12); NULL for a case created before that existed.
    """

    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    lookup_tag: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    reply_public: Mapped[bytes] = mapped_column(LargeBinary(32))
    followup_public: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    received_day: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str | None] = mapped_column(String(32))
    status_order: Mapped[str | None] = mapped_column(String(96))
    status_day: Mapped[dt.date | None] = mapped_column(Date)


class CaseRecipient(Base):
    """One reviewer id a case was sealed to (the reporter's recipient choice)."""

    __tablename__ = "case_recipients"

    case_id: Mapped[str] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    recipient: Mapped[str] = mapped_column(String(64), primary_key=True)


class Blob(Base):
    """A ciphertext blob known to the database: content address and (padded) size."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)


class Item(Base):
    """The journal: every report, message, retaliation report, status and reply, in ``seq``.

    ``record`` is the signed record of a status or reply, and the reporter's follow-up
    signature (crypto/SPEC.md §12) of a message or retaliation report (NULL on old cases).

    ``seq`` only grows (SQLite AUTOINCREMENT; PostgreSQL appends under an advisory lock), so an
    export cursor "everything after N" never misses an item.
    """

    __tablename__ = "items"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    blob_sha: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    record: Mapped[bytes | None] = mapped_column(LargeBinary)
    record_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True)
    order_key: Mapped[str | None] = mapped_column(String(96))
    # The UTC day the item arrived (no finer); NULL for items stored before migration 0003.
    day: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class ItemEvidence(Base):
    """Evidence blobs attached to a report or message, in the order the reporter gave."""

    __tablename__ = "item_evidence"

    item_seq: Mapped[int] = mapped_column(
        ForeignKey("items.seq", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    blob_sha: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)


class Upload(Base):
    """A resumable upload session: ciphertext only, owned by SHA-256 of an opaque token."""

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    total_size: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger)
    expires_on: Mapped[dt.date] = mapped_column(Date, index=True)
    # Set when the upload became a blob: the session then answers with that blob (a browser
    # whose answer was lost asks again) and holds no quota, until it expires like any other.
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Cursor(Base):
    """Export bookkeeping: the last journal ``seq`` a named consumer acknowledged."""

    __tablename__ = "cursors"

    consumer: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)


class AppliedBundle(Base):
    """Ids of outbox bundles already applied, so a replayed bundle changes nothing."""

    __tablename__ = "applied_bundles"

    bundle_id: Mapped[bytes] = mapped_column(LargeBinary(64), primary_key=True)


class BlobContent(Base):
    """A blob kept in the database (``blob_store = "database"``): its chunks, and once they
    are all written and their SHA-256 known, its content address.

    A row whose ``sha256`` is NULL is a blob still being written (or left by a crash), or the
    pieces of an unfinished upload (then its id is the upload's): no reader sees it. ``day``
    is the UTC day the writing started (for the sweep of crashed writers and the orphan grace
    period), no finer.
    """

    __tablename__ = "blob_contents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[dt.date] = mapped_column(Date)


class BlobChunk(Base):
    """The bytes of a database blob from offset ``at``, one row per chunk (about 1 MiB)."""

    __tablename__ = "blob_chunks"

    content_id: Mapped[str] = mapped_column(
        ForeignKey("blob_contents.id", ondelete="CASCADE"), primary_key=True
    )
    at: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


# Tables that hold ciphertext rather than the journal: a backup carries their blobs as
# ``blobs/<sha256>`` members (and no partial uploads), never as rows.
BLOB_TABLES = frozenset({"blob_contents", "blob_chunks"})
