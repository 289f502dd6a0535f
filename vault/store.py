"""The vault repository: cases, journal items, signed records, and export cursors; uploads
in :mod:`vault.uploads`, the values it hands out in :mod:`vault.entries`, the checks before a
write in :mod:`vault.admission`, the operations of one transaction in :mod:`vault.operations`.

:class:`Vault` is what the intake and the transfer code call. Each public method is one
transaction; :meth:`Vault.batch` groups many outbound records into one all-or-nothing
transaction (a whole import bundle).

What it stores, and so what a seizure yields: opaque case ids, keyed lookup tags, reply public
keys, the UTC day a case arrived, recipient ids, blob hashes and padded
sizes, signed status/reply records, and the journal order of items. Never plaintext, receipts,
file names, addresses, browser strings or precise reporter times.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from . import db
from .blobstore import BlobRef, BlobStore, LocalBlobStore, Written
from .dbblobs import DatabaseBlobStore
from .dbuploads import DatabaseUploads
from .entries import CaseHistory, CaseInfo, Entry, ExportItem, OrderKey
from .errors import DuplicateCaseError
from .models import Blob, Case, Cursor, Item
from .operations import Batch, Operations, chunks
from .uploads import PieceStored, Uploads

BLOB_STORES = ("files", "database")


class Vault:
    """The server's storage: a database (SQLite or PostgreSQL) plus a content-addressed
    blob store and partial uploads: files under the home directory (``blob_store="files"``)
    or rows of the database itself (``"database"``, so several nodes share them)."""

    def __init__(
        self, engine: Engine, home: Path, *, upload_days: int = 2, blob_store: str = "files"
    ) -> None:
        if blob_store not in BLOB_STORES:
            raise ValueError(f"blob_store must be one of {', '.join(BLOB_STORES)}")
        self.engine = engine
        self.home = Path(home)
        self.tmp_dir = self.home / "tmp"  # the only temporary directory (docs/ARCHITECTURE.md)
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(db.reader(engine), expire_on_commit=False)
        self.blob_store = blob_store
        self.blobs: BlobStore
        if blob_store == "database":
            self.blobs = DatabaseBlobStore(self._sessions, self._read_sessions, self.tmp_dir)
            self.uploads: Uploads = DatabaseUploads(
                self._sessions, self._read_sessions, self.blobs, self.home / "uploads", upload_days
            )
        else:
            self.blobs = LocalBlobStore(self.home / "blobs", self.tmp_dir)
            self.uploads = Uploads(
                self._sessions, self._read_sessions, self.blobs, self.home / "uploads", upload_days
            )
        self.uploads_dir = self.uploads.directory
        self.upload_days = upload_days

    @classmethod
    def open(
        cls, db_url: str, home: Path, *, upload_days: int = 2, blob_store: str = "files"
    ) -> Vault:
        """Open (creating if needed) the vault: migrate the schema to head, make directories."""
        home = Path(home)
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        engine = db.make_engine(db_url)
        db.migrate(engine)
        return cls(engine, home, upload_days=upload_days, blob_store=blob_store)

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()

    def __enter__(self) -> Vault:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def writing(self) -> Iterator[Operations]:
        """The operations of one write transaction (committed when the block ends)."""
        with self._sessions() as session, session.begin():
            yield Operations(session, self.blobs)

    @contextmanager
    def reading(self) -> Iterator[Operations]:
        """The operations of one read-only transaction (no write lock on SQLite)."""
        with self._read_sessions() as session, session.begin():
            yield Operations(session, self.blobs)

    @contextmanager
    def batch(self) -> Iterator[Batch]:
        """One transaction for many add_status/add_reply/mark_bundle/set_cursor calls."""
        with self._sessions() as session, session.begin():
            yield Batch(session, self.blobs)

    # -- cases -------------------------------------------------------------------------------
    def create_case(
        self,
        *,
        lookup_tag: bytes,
        reply_public: bytes,
        recipients: Sequence[str],
        report_blob: BlobRef,
        evidence: Sequence[BlobRef],
        followup_public: bytes | None = None,
    ) -> str:
        """Create a case for a stored report envelope; return its random opaque id.

        ``lookup_tag`` is crypto.receipt.lookup_tag(pepper, lookup_id) (32 bytes), never the
        receipt. The only date stored is today's UTC day. ``followup_public`` (32 bytes) is the
        key later follow-ups must be signed by (crypto/SPEC.md §12). DuplicateCaseError if the
        tag is used, MissingBlobError if a blob is not in the store with the given size.
        """
        try:
            with self.writing() as ops:
                return ops.create_case(
                    lookup_tag=lookup_tag,
                    reply_public=reply_public,
                    recipients=recipients,
                    report_blob=report_blob,
                    evidence=evidence,
                    followup_public=followup_public,
                )
        except IntegrityError as exc:  # a concurrent insert of the same tag
            raise DuplicateCaseError("a case with this lookup tag exists") from exc

    def case_by_lookup(self, lookup_tag: bytes) -> CaseInfo | None:
        """The case whose lookup tag this is, or None.

        Leaks through timing only whether a tag exists; a tag is an HMAC under the server's
        pepper, so that says nothing about any receipt without the pepper.
        """
        with self.reading() as ops:
            case = ops.s.scalar(select(Case).where(Case.lookup_tag == lookup_tag))
            if case is None or not hmac.compare_digest(case.lookup_tag, lookup_tag):
                return None
            return ops.case_info(case)

    def case_info(self, case_id: str) -> CaseInfo:
        """Metadata of one case; CaseNotFoundError if absent."""
        with self.reading() as ops:
            return ops.case_info(ops._case(case_id))

    def case_infos(self, case_ids: Sequence[str]) -> dict[str, CaseInfo]:
        """Metadata of many cases in one read transaction and a few queries per 500 ids.

        Ids of absent cases are simply not in the result (the caller decides what that means).
        """
        with self.reading() as ops:
            found: list[Case] = []
            for chunk in chunks(sorted(set(case_ids))):
                found.extend(ops.s.scalars(select(Case).where(Case.id.in_(chunk))))
            return ops.case_infos(found)

    def add_message(
        self,
        case_id: str,
        *,
        kind: str,
        blob: BlobRef,
        evidence: Sequence[BlobRef] = (),
        signature: bytes | None = None,
    ) -> int:
        """Add a follow-up message or retaliation report envelope; return its journal seq.

        ``signature`` is the reporter's follow-up signature (crypto/SPEC.md §12), required when the
        case has a follow-up key and checked before anything is stored: UnprovenFollowupError
        (nothing stored) if it is missing or does not verify.
        """
        with self.writing() as ops:
            return ops.add_message(
                case_id, kind=kind, blob=blob, evidence=evidence, signature=signature
            )

    def case_history(self, case_id: str) -> CaseHistory:
        """Everything stored for a case; statuses and replies in record order."""
        with self.reading() as ops:
            info = ops.case_info(ops._case(case_id))
            items = ops.s.scalars(
                select(Item).where(Item.case_id == case_id).order_by(Item.seq)
            ).all()
            entries = ops.entries(items)
        statuses = sorted((e for e in entries if e.kind == "status"), key=_order)
        replies = sorted((e for e in entries if e.kind == "reply"), key=_order)
        steps = sorted((e for e in entries if e.kind == "track"), key=_order)
        return CaseHistory(
            info,
            tuple(entries),
            tuple(e.record for e in statuses if e.record is not None),
            tuple((e.record, e.blob) for e in replies if e.record is not None and e.blob),
            tuple(e.record for e in steps if e.record is not None),
        )

    # -- outbound records ----------------------------------------------------------------------
    def add_status(self, case_id: str, record: bytes, order_key: OrderKey = None) -> bool:
        """Store a (verified) signed status record; False if it was already stored.

        The case's current status becomes this one only if its order key is the greatest.
        RecordMismatchError if the record names another case.
        """
        with self.batch() as tx:
            return tx.add_status(case_id, record, order_key)

    def add_reply(
        self, case_id: str, record: bytes, blob: BlobRef, order_key: OrderKey = None
    ) -> bool:
        """Store a (verified) signed reply record and its envelope; False on a replay."""
        with self.batch() as tx:
            return tx.add_reply(case_id, record, blob, order_key)

    # -- removing blobs ------------------------------------------------------------------------
    def discard(self, written: Sequence[Written]) -> list[str]:
        """Take back the blobs a failed or refused request put: only those it created itself
        (``Written.created``) and that no row references. Returns the addresses removed.

        The same bytes may already be stored for a case (a replayed request, an envelope
        copied out of an export bundle): those were not created by this request, and a row
        references them, so they stay. See :meth:`delete_unreferenced` for the race with a
        request registering the same bytes at the same moment.
        """
        return self.delete_unreferenced([w.ref.sha256 for w in written if w.created])

    def delete_unreferenced(self, shas: Sequence[str]) -> list[str]:
        """Overwrite and unlink each blob no ``blobs`` row names; return those removed.

        Every writer that adds a blob row takes the journal lock (PostgreSQL advisory lock;
        SQLite's write lock) before it checks that the file exists. The check for a row and
        the unlink happen here under that lock, so a blob is either still referenced (and
        kept) or gone before anyone can reference it (who then fails with MissingBlobError
        instead of pointing at a deleted file).
        """
        removed: list[str] = []
        for sha in dict.fromkeys(shas):
            with self.writing() as ops:
                ops._lock_journal()
                if ops.s.get(Blob, sha) is None:
                    self.blobs.delete_within(ops.s, sha)
                    removed.append(sha)
        return removed

    # -- export --------------------------------------------------------------------------------
    def items_since(self, after_seq: int, *, limit: int = 1000) -> list[ExportItem]:
        """Journal items with ``seq > after_seq``, ascending, at most ``limit``."""
        with self.reading() as ops:
            # plain rows, not ORM objects: the export pages through every item of the journal
            rows = ops.s.execute(
                select(
                    Item.seq, Item.case_id, Item.kind, Item.blob_sha, Item.record, Item.order_key
                )
                .where(Item.seq > after_seq)
                .order_by(Item.seq)
                .limit(limit)
            ).all()
            return ops.entries(rows)

    def last_seq(self) -> int:
        """The greatest journal seq so far (0 if empty)."""
        with self.reading() as ops:
            return ops.s.scalar(select(func.coalesce(func.max(Item.seq), 0))) or 0

    def get_cursor(self, name: str) -> int:
        """Last acknowledged seq of a named consumer (0 if never set)."""
        with self.reading() as ops:
            row = ops.s.get(Cursor, name)
            return row.seq if row else 0

    def set_cursor(self, name: str, seq: int) -> None:
        """Move a named cursor forward; a smaller seq is ignored."""
        with self.batch() as tx:
            tx.set_cursor(name, seq)

    # -- uploads (vault.uploads) ---------------------------------------------------------------
    def start_upload(
        self,
        *,
        owner: bytes,
        total_size: int,
        quota: int | None = None,
        upload_id: str | None = None,
    ) -> str:
        """See :meth:`vault.uploads.Uploads.start`."""
        return self.uploads.start(
            owner=owner, total_size=total_size, quota=quota, upload_id=upload_id
        )

    def open_upload_bytes(self) -> int:
        """See :meth:`vault.uploads.Uploads.open_bytes`."""
        return self.uploads.open_bytes()

    def upload_offset(self, upload_id: str, owner: bytes) -> int:
        """See :meth:`vault.uploads.Uploads.offset`."""
        return self.uploads.offset(upload_id, owner)

    def upload_ranges(self, upload_id: str, owner: bytes) -> list[tuple[int, int]]:
        """See :meth:`vault.uploads.Uploads.ranges`."""
        return self.uploads.ranges(upload_id, owner)

    def append_upload(self, upload_id: str, owner: bytes, offset: int, data: bytes) -> int:
        """See :meth:`vault.uploads.Uploads.append`."""
        return self.uploads.append(upload_id, owner, offset, data)

    def store_upload_piece(
        self, upload_id: str, owner: bytes, offset: int, data: bytes
    ) -> PieceStored:
        """See :meth:`vault.uploads.Uploads.store_piece`."""
        return self.uploads.store_piece(upload_id, owner, offset, data)

    def finish_upload(self, upload_id: str, owner: bytes, sha256: str | None = None) -> BlobRef:
        """See :meth:`vault.uploads.Uploads.finish`."""
        return self.uploads.finish(upload_id, owner, sha256)

    def expire_uploads(self, now: dt.datetime | dt.date | None = None) -> int:
        """See :meth:`vault.uploads.Uploads.expire`."""
        return self.uploads.expire(now)

    def sweep_upload_files(self) -> int:
        """See :meth:`vault.uploads.Uploads.sweep`."""
        return self.uploads.sweep()


def _order(entry: Entry) -> tuple[str, int]:
    return (entry.order_key or "", entry.seq)
