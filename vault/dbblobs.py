"""Content-addressed ciphertext kept in the database, for intake nodes that share nothing else.

``blob_store = "database"`` in server.toml. The same promises as
:class:`vault.blobstore.LocalBlobStore`, with rows instead of files:

* **chunked, streamed**: a blob is a ``blob_contents`` row and its bytes are ``blob_chunks``
  rows of at most :data:`ROW_BYTES` bytes each, written as they arrive and read back one chunk at a
  time, so no process holds a whole envelope in memory;
* **visible only when complete**: the content row gets its SHA-256 in the writer's last,
  durable transaction; until then (or after a crash) its address is NULL, no reader finds it,
  and :meth:`DatabaseBlobStore.sweep` removes it on a later day;
* **content addressing**: the address is unique; a second writer of the same bytes drops its
  own copy and reports ``created=False`` (see :class:`vault.blobstore.Written`), so a replayed
  request can never delete what another stored.

Durability: chunk transactions commit with ``synchronous_commit = off`` on PostgreSQL (no WAL
flush per chunk); the final transaction commits normally, and PostgreSQL flushes the WAL in
order, so once it returns every chunk before it is durable too. A crash in between loses a
blob that was never visible.

What it leaks: blob count and (Padmé-padded) sizes, and the UTC day each was written. Deleting
removes the rows; PostgreSQL keeps dead row versions until VACUUM (retention runs it), and the
WAL and replicas keep what they keep: ciphertext only, as with files on an SSD.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import delete, exists, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .blobstore import AbortOnExit, BlobRef, HashChecks, Written, check_sha
from .errors import BlobIntegrityError, BlobNotFoundError
from .models import BlobChunk, BlobContent, Upload

__all__ = ["ROW_BYTES", "DatabaseBlobStore", "DatabaseBlobWriter"]

ROW_BYTES = 1 << 20  # bytes per blob_chunks row


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def new_content_id() -> str:
    """80 random bits as 16 lowercase base32 symbols (an opaque row id)."""
    return base64.b32encode(secrets.token_bytes(10)).decode().lower()


def relax_commit(s: Session) -> None:
    """This transaction's commit need not wait for the WAL flush (PostgreSQL only): for
    work whose durability a later, normal commit provides."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SET LOCAL synchronous_commit = off"))


class DatabaseBlobWriter(AbortOnExit):
    """Streams bytes into chunk rows; :meth:`commit` gives them their content address.

    Use as a context manager; leaving the block without :meth:`commit` (or by an exception)
    deletes the rows written so far. Holds at most :data:`ROW_BYTES` bytes in memory.
    ``write`` may be handed to :class:`crypto.envelope.Sealer`.
    """

    def __init__(self, store: DatabaseBlobStore) -> None:
        self._store = store
        self.content_id = new_content_id()
        self._buffer = bytearray()
        self._at = 0  # offset of the buffer's first byte
        self._hash = hashlib.sha256()
        self._done = False
        self.created = False  # set by commit: True if this writer's rows became the blob
        self._row = False  # the content row exists (made with the first whole chunk)

    def write(self, data: bytes | memoryview) -> int:
        """Append ``data`` (whole chunks go to the database at once)."""
        if self._done:
            raise ValueError("blob writer already finished")
        self._buffer += data
        self._hash.update(data)
        while len(self._buffer) >= ROW_BYTES:
            self._flush(ROW_BYTES)
        return len(data)

    def flush(self) -> None:
        """File-like no-op kept for writers that flush (the rows are made durable on commit)."""

    def _flush(self, size: int) -> None:
        piece = bytes(self._buffer[:size])
        try:
            with self._store.tx() as s:
                relax_commit(s)
                if not self._row:
                    s.add(BlobContent(id=self.content_id, sha256=None, size=0, day=_today()))
                    s.flush()
                s.add(BlobChunk(content_id=self.content_id, at=self._at, data=piece))
            self._row = True
        except IntegrityError as exc:  # the content row is gone: swept as a stalled write
            self.abort()
            raise BlobNotFoundError("a blob's rows vanished while it was written") from exc
        except BaseException:
            self.abort()
            raise
        del self._buffer[:size]
        self._at += size

    def commit(self) -> BlobRef:
        """Make the blob visible (durably) under its SHA-256 and return its reference."""
        if self._done:
            raise ValueError("blob writer already finished")
        ref = BlobRef(self._hash.hexdigest(), self._at + len(self._buffer))
        self._done = True
        if not self._row:  # at most one chunk: row, chunk and address in one transaction
            self.created = self._store._publish_small(self.content_id, ref, bytes(self._buffer))
        else:
            if self._buffer:
                self._flush(len(self._buffer))
            self.created = self._store._publish(self.content_id, ref)
        return ref

    def abort(self) -> None:
        """Discard everything written so far; safe to call more than once."""
        if self._done and self.created:
            return
        self._done = True
        if self._row:
            self._store._drop(self.content_id)


class _ChunkReader(io.RawIOBase):
    """A stored blob read chunk by chunk, each in a short read transaction of its own."""

    def __init__(self, store: DatabaseBlobStore, content_id: str, size: int) -> None:
        self._store, self._id, self._size = store, content_id, size
        self._pos = 0
        self._chunk = b""
        self._chunk_at = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._pos >= self._size:
            return 0
        if not self._chunk_at <= self._pos < self._chunk_at + len(self._chunk):
            self._load()
        start = self._pos - self._chunk_at
        n = min(len(buffer), len(self._chunk) - start)
        buffer[:n] = self._chunk[start : start + n]
        self._pos += n
        return n

    def _load(self) -> None:
        with self._store.read() as s:
            row = s.execute(
                select(BlobChunk.at, BlobChunk.data)
                .where(BlobChunk.content_id == self._id, BlobChunk.at <= self._pos)
                .order_by(BlobChunk.at.desc())
                .limit(1)
            ).first()
        if row is None or not row.at <= self._pos < row.at + len(row.data):
            raise BlobNotFoundError("a blob was removed while it was being read")
        self._chunk_at, self._chunk = int(row.at), bytes(row.data)


class DatabaseBlobStore(HashChecks):
    """The :class:`vault.blobstore.BlobStore` protocol over ``blob_contents``/``blob_chunks``.

    ``tmp_dir`` is where callers stage files before :meth:`put_file`; nothing of the store
    itself is written there.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        read_sessions: sessionmaker[Session],
        tmp_dir: Path,
    ) -> None:
        self._sessions = sessions
        self._read_sessions = read_sessions
        self.tmp_dir = Path(tmp_dir)
        self.tmp_dir.mkdir(parents=True, exist_ok=True, mode=0o700)

    @contextmanager
    def tx(self) -> Iterator[Session]:
        """One write transaction."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """One read transaction (no write lock on SQLite)."""
        with self._read_sessions() as session, session.begin():
            yield session

    # -- writing ---------------------------------------------------------------------------
    def writer(self) -> DatabaseBlobWriter:
        """A new streaming writer; see :class:`DatabaseBlobWriter`."""
        return DatabaseBlobWriter(self)

    def put_bytes(self, data: bytes) -> BlobRef:
        """Store ``data`` and return its reference (idempotent: same bytes, same blob)."""
        return self.add_bytes(data).ref

    def add_bytes(self, data: bytes) -> Written:
        """Store ``data``; say whether this call created the blob (see :class:`Written`)."""
        with self.writer() as w:
            w.write(data)
            ref = w.commit()
            return Written(ref, w.created)

    def put_file(self, path: Path) -> BlobRef:
        """Copy a finished file into the database in chunks, then remove the file."""
        with open(path, "rb") as f, self.writer() as w:
            while block := f.read(ROW_BYTES):
                w.write(block)
            ref = w.commit()
        Path(path).unlink()
        return ref

    def put_hashed(self, path: Path, ref: BlobRef) -> BlobRef:
        """:meth:`put_file`, checking the result against ``ref``; BlobIntegrityError if not."""
        if self.put_file(path) != ref:
            raise BlobIntegrityError("the file does not match its hash")
        return ref

    def put_files(self, paths: Sequence[Path]) -> list[BlobRef]:
        """Each file into the database (durable when this returns); the files are removed."""
        return [self.put_file(Path(p)) for p in paths]

    def _publish(self, content_id: str, ref: BlobRef) -> bool:
        """Give the written rows their address; False (rows dropped) if it was already stored.

        BlobNotFoundError if the rows are gone (swept as a crashed write: see :meth:`sweep`).
        """
        try:
            with self.tx() as s:
                taken = s.scalar(select(exists().where(BlobContent.sha256 == ref.sha256)))
                if not taken:
                    done = s.execute(
                        update(BlobContent)
                        .where(BlobContent.id == content_id)
                        .values(sha256=ref.sha256, size=ref.size)
                    )
                    if done.rowcount != 1:  # type: ignore[attr-defined]
                        raise BlobNotFoundError("a blob's rows vanished while it was written")
        except IntegrityError:  # another writer published the same bytes meanwhile
            taken = True
        if taken:
            self._drop(content_id)
        return not taken

    def _publish_small(self, content_id: str, ref: BlobRef, data: bytes) -> bool:
        """Store a blob of at most one chunk in one (durable) transaction; False if the same
        bytes were already stored (then nothing is written)."""
        try:
            with self.tx() as s:
                if s.scalar(select(exists().where(BlobContent.sha256 == ref.sha256))):
                    return False
                s.add(BlobContent(id=content_id, sha256=ref.sha256, size=ref.size, day=_today()))
                s.flush()
                s.add(BlobChunk(content_id=content_id, at=0, data=data))
        except IntegrityError:  # another writer published the same bytes meanwhile
            return False
        return True

    def _drop(self, content_id: str) -> None:
        with self.tx() as s:
            s.execute(delete(BlobChunk).where(BlobChunk.content_id == content_id))
            s.execute(delete(BlobContent).where(BlobContent.id == content_id))

    # -- reading ---------------------------------------------------------------------------
    def _content(self, sha256: str) -> tuple[str, int]:
        check_sha(sha256)
        with self.read() as s:
            row = s.execute(
                select(BlobContent.id, BlobContent.size).where(BlobContent.sha256 == sha256)
            ).first()
        if row is None:
            raise BlobNotFoundError(f"no blob {sha256}")
        return str(row.id), int(row.size)

    def open(self, sha256: str) -> BinaryIO:
        """Open a blob for reading (chunk by chunk); BlobNotFoundError if absent."""
        content_id, size = self._content(sha256)
        return io.BufferedReader(_ChunkReader(self, content_id, size), ROW_BYTES)

    def exists(self, sha256: str) -> bool:
        """True if a complete blob with this address is stored."""
        check_sha(sha256)
        with self.read() as s:
            return bool(s.scalar(select(exists().where(BlobContent.sha256 == sha256))))

    def size(self, sha256: str) -> int:
        """Size of a stored blob in bytes; BlobNotFoundError if absent."""
        return self._content(sha256)[1]

    def iter_shas(self) -> Iterator[str]:
        """Every complete blob's address (order unspecified)."""
        with self.read() as s:
            shas = s.scalars(select(BlobContent.sha256).where(BlobContent.sha256.is_not(None)))
            yield from [str(sha) for sha in shas]

    def written_before(self, sha256: str, day: dt.date) -> bool:
        """True if the blob was written on a UTC day before ``day`` (the orphan grace period)."""
        with self.read() as s:
            written = s.scalar(select(BlobContent.day).where(BlobContent.sha256 == sha256))
        return written is not None and written < day

    # -- removing --------------------------------------------------------------------------
    def delete(self, sha256: str) -> None:
        """Remove a blob's rows (see the module docstring for what PostgreSQL keeps until
        VACUUM). By content address, whoever stored the bytes: servers call
        ``Vault.discard`` or ``Vault.delete_unreferenced``. Absent blobs are fine."""
        with self.tx() as s:
            self.delete_within(s, sha256)

    def delete_within(self, s: Session, sha256: str) -> None:
        """:meth:`delete` as part of the caller's transaction ``s`` (gone when it commits)."""
        check_sha(sha256)
        content_id = s.scalar(select(BlobContent.id).where(BlobContent.sha256 == sha256))
        if content_id is not None:
            s.execute(delete(BlobChunk).where(BlobChunk.content_id == content_id))
            s.execute(delete(BlobContent).where(BlobContent.id == content_id))

    def sweep(self, today: dt.date | None = None) -> int:
        """Remove writes that never completed (a crash) and began two or more days before
        ``today``; the count. Younger ones are left alone: one may still be in progress on
        another node (a large upload sealed across midnight)."""
        day = (today or _today()) - dt.timedelta(days=1)
        with self.tx() as s:
            ids = list(
                s.scalars(
                    select(BlobContent.id).where(
                        BlobContent.sha256.is_(None),
                        BlobContent.day < day,
                        BlobContent.id.not_in(select(Upload.id)),
                    )
                )
            )  # open uploads stay
            if ids:
                s.execute(delete(BlobChunk).where(BlobChunk.content_id.in_(ids)))
                s.execute(delete(BlobContent).where(BlobContent.id.in_(ids)))
        return len(ids)
