"""Content-addressed ciphertext on the local filesystem, behind the :class:`BlobStore` protocol.

Promises: a blob appears under its SHA-256 only when complete and durable (temporary file in
``root/tmp``, fsync, rename, directory fsync), so a crash or a full disk never leaves a half
blob under a content address. Deleting overwrites with zeros and fsyncs before unlinking.

What it leaks: blob count and sizes (already Padmé-padded by the envelope) and, through inode
ctimes, roughly when each was written. mtimes and atimes are reset to 00:00 UTC of the day.
Standard library only: the reviewer laptop may import this module without SQLAlchemy.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Protocol, Self, TypeVar

from crypto.fsutil import fsync_dir

from .errors import BlobIntegrityError, BlobNotFoundError, DiskFullError

_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20
FSYNC_THREADS = 8  # concurrent fsyncs share journal commits
_T = TypeVar("_T")


@dataclass(frozen=True)
class BlobRef:
    """A blob's content address (hex SHA-256 of the ciphertext) and exact size in bytes."""

    sha256: str
    size: int


@dataclass(frozen=True)
class Written:
    """A blob one caller put into the store, and whether that put created the file.

    ``created`` is False when the same bytes were already stored: they belong to whoever
    stored them first (a case, a pending upload), so this caller must never delete them.
    """

    ref: BlobRef
    created: bool


def check_sha(sha256: str) -> str:
    """Return ``sha256`` if it is 64 lowercase hex digits; ValueError otherwise.

    Stops path traversal: only a well-formed digest ever becomes part of a path.
    """
    if not isinstance(sha256, str) or not _SHA_RE.match(sha256):
        raise ValueError("a blob address is 64 lowercase hex digits")
    return sha256


def day_start(today: dt.date | None = None) -> float:
    """POSIX time of 00:00 UTC of ``today`` (default: now): the only file time we keep."""
    day = today or dt.datetime.now(dt.UTC).date()
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()


def coarsen_times(path: Path) -> None:
    """Set atime and mtime of ``path`` to the start of the UTC day (hides the precise time)."""
    stamp = day_start()
    os.utime(path, (stamp, stamp))


def _parallel(fn: Callable[[Path], _T], paths: Sequence[Path]) -> list[_T]:
    """``[fn(p) for p in paths]`` on up to FSYNC_THREADS threads (fsync releases the GIL)."""
    if len(paths) < 2:
        return [fn(p) for p in paths]
    with ThreadPoolExecutor(min(FSYNC_THREADS, len(paths))) as pool:
        return list(pool.map(fn, paths))


def _disk_full(exc: OSError) -> bool:
    return exc.errno in (errno.ENOSPC, errno.EDQUOT)


class AbortOnExit:
    """A writer used as a context manager: leaving the block before the writer is done (no
    commit, or an exception) calls ``abort``, so nothing half-written stays."""

    _done: bool

    def abort(self) -> None:
        """Drop what was written (each writer says how)."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._done:
            self.abort()


class BlobWriter(AbortOnExit):
    """Streams bytes into a temporary file and commits them under their SHA-256.

    Use as a context manager; leaving the block without :meth:`commit` (or by an exception)
    removes the temporary file. ``write`` may be handed to :class:`crypto.envelope.Sealer`.
    """

    def __init__(self, store: LocalBlobStore) -> None:
        self._store = store
        fd, name = tempfile.mkstemp(prefix="blob-", dir=store.tmp_dir)
        self._path = Path(name)
        self._file: BinaryIO = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self._size = 0
        self._done = False
        self.created = False  # set by commit: True if this writer created the stored file

    def write(self, data: bytes | memoryview) -> int:
        """Append ``data``; DiskFullError (and nothing kept) if the disk is full."""
        if self._done:
            raise ValueError("blob writer already finished")
        try:
            self._file.write(data)
        except OSError as exc:
            self.abort()
            if _disk_full(exc):
                raise DiskFullError("disk full while writing a blob") from exc
            raise
        self._hash.update(data)
        self._size += len(data)
        return len(data)

    def flush(self) -> None:
        """File-like no-op kept for writers that flush (the data is fsynced on commit)."""

    def commit(self) -> BlobRef:
        """Make the blob durable under its content address and return its reference."""
        if self._done:
            raise ValueError("blob writer already finished")
        ref = BlobRef(self._hash.hexdigest(), self._size)
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self.created = self._store._install(self._path, ref.sha256)
        except OSError as exc:
            self.abort()
            if _disk_full(exc):
                raise DiskFullError("disk full while committing a blob") from exc
            raise
        self._done = True
        return ref

    def abort(self) -> None:
        """Discard everything written so far; safe to call more than once."""
        self._done = True
        with contextlib.suppress(OSError):  # closing a discarded file may itself hit ENOSPC
            self._file.close()
        self._path.unlink(missing_ok=True)


class StreamWriter(Protocol):
    """A blob being written: ``write`` pieces, then ``commit`` (or leave the block to drop it).

    ``created`` (after commit) is False when the same bytes were already stored."""

    created: bool

    def write(self, data: bytes | memoryview) -> int:
        """Append ``data``."""

    def flush(self) -> None:
        """Nothing to flush before commit (file-like)."""

    def commit(self) -> BlobRef:
        """Make the blob durable and visible under its SHA-256."""

    def abort(self) -> None:
        """Drop what was written."""

    def __enter__(self) -> StreamWriter: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class BlobStore(Protocol):
    """What the vault needs from a blob store: files (:class:`LocalBlobStore`) or database
    rows (:class:`vault.dbblobs.DatabaseBlobStore`); an S3-compatible store could implement it.
    """

    tmp_dir: Path

    def writer(self) -> StreamWriter:
        """A new streaming writer whose bytes become a blob on commit."""

    def put_hashed(self, path: Path, ref: BlobRef) -> BlobRef:
        """Move in a finished file whose SHA-256 and size the caller computed as it wrote it."""

    def put_files(self, paths: Sequence[Path]) -> list[BlobRef]:
        """Move many finished files in; all durable when this returns."""

    def open_verified(self, sha256: str) -> bytes:
        """Read a whole (small) blob and check its hash; BlobIntegrityError on mismatch."""

    def written_before(self, sha256: str, day: dt.date) -> bool:
        """True if the blob was stored on a UTC day before ``day``."""

    def delete_within(self, s: Any, sha256: str) -> None:
        """Delete a blob as part of the database transaction ``s`` of the caller."""

    def sweep(self, today: dt.date | None = None) -> int:
        """Remove what crashed writers left before ``today``; the count."""

    def put_bytes(self, data: bytes) -> BlobRef:
        """Store ``data``; the same bytes always give the same blob."""

    def add_bytes(self, data: bytes) -> Written:
        """Store ``data`` and say whether this call created the blob (see :class:`Written`)."""

    def put_file(self, path: Path) -> BlobRef:
        """Move a finished file into the store under its hash."""

    def open(self, sha256: str) -> BinaryIO:
        """Open a blob for reading; BlobNotFoundError if absent."""

    def exists(self, sha256: str) -> bool:
        """True if a blob with this address is stored."""

    def size(self, sha256: str) -> int:
        """Size of a stored blob in bytes; BlobNotFoundError if absent."""

    def verify(self, sha256: str) -> bool:
        """Re-hash the stored bytes; False if they no longer match the address."""

    def delete(self, sha256: str) -> None:
        """Remove a blob so its bytes cannot be read back; absent blobs are fine."""

    def iter_shas(self) -> Iterator[str]:
        """Every stored blob address (order unspecified)."""


class HashChecks:
    """``verify`` and ``open_verified`` for any store with an ``open(sha256)``."""

    def open(self, sha256: str) -> BinaryIO:  # pragma: no cover - every store has its own
        """Open a blob for reading (each store says how)."""
        raise NotImplementedError

    def verify(self, sha256: str) -> bool:
        """Re-hash the stored bytes; False if they no longer match the address."""
        digest = hashlib.sha256()
        with self.open(sha256) as f:
            while block := f.read(_CHUNK):
                digest.update(block)
        return digest.hexdigest() == sha256

    def open_verified(self, sha256: str) -> bytes:
        """Read a whole (small) blob and check its hash; BlobIntegrityError on mismatch."""
        with self.open(sha256) as f:
            data = f.read()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise BlobIntegrityError(f"blob {sha256} is damaged")
        return data


class LocalBlobStore(HashChecks):
    """Blobs at ``root/ab/abcdef…``; temporary files in ``tmp_dir`` (default ``root/tmp``).

    ``tmp_dir`` must be on the same filesystem as ``root`` (commits are renames).
    """

    def __init__(self, root: Path, tmp_dir: Path | None = None) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.tmp_dir = Path(tmp_dir) if tmp_dir is not None else self.root / "tmp"
        self.tmp_dir.mkdir(parents=True, exist_ok=True, mode=0o700)

    def path(self, sha256: str) -> Path:
        """Filesystem path of a blob (whether or not it exists)."""
        check_sha(sha256)
        return self.root / sha256[:2] / sha256

    def writer(self) -> BlobWriter:
        """A new streaming writer; see :class:`BlobWriter`."""
        return BlobWriter(self)

    def put_bytes(self, data: bytes) -> BlobRef:
        """Store ``data`` and return its reference (idempotent: same bytes, same blob)."""
        return self.add_bytes(data).ref

    def add_bytes(self, data: bytes) -> Written:
        """Store ``data``; say whether this call created the file (see :class:`Written`).

        A caller that may have to take its bytes back (a refused request) uses this, and
        hands the result to ``Vault.discard``, never to :meth:`delete`.
        """
        with self.writer() as w:
            w.write(data)
            ref = w.commit()
            return Written(ref, w.created)

    def put_file(self, path: Path) -> BlobRef:
        """Move a finished file (on the same filesystem) into the store under its hash."""
        ref = self._hash_and_sync(Path(path))
        self._install(Path(path), ref.sha256)
        return ref

    def put_hashed(self, path: Path, ref: BlobRef) -> BlobRef:
        """Like :meth:`put_file` for a file whose SHA-256 this process computed as it wrote it
        (a finished upload): only fsynced, not read again. ``ref`` must be that hash and size;
        a caller that did not compute it itself uses :meth:`put_file`."""
        with open(path, "rb") as f:
            os.fsync(f.fileno())
        self._install(Path(path), ref.sha256)
        return ref

    def put_files(self, paths: Sequence[Path]) -> list[BlobRef]:
        """Move many finished files in (same filesystem); all durable when this returns.

        Batched durability, in this order, so a crash at any point leaves every blob either
        absent or complete under its address, and nothing references a blob before it is
        durable:

        1. every file is hashed and its bytes fsynced *before* any rename, so a content
           address never names a file whose data could still be lost. The fsyncs run on a
           few threads at once: the filesystem journal then commits them together (ext4/jbd2
           group commit; 333 small files: 1.1 s one after another, 0.04 s this way, here);
        2. all files are renamed into their fan-out directories (an address already stored
           keeps its old file; the new copy is dropped);
        3. then each directory touched is fsynced once (the fan-out directories, again on
           a few threads, then the root if a fan-out directory was created), which makes the
           renames durable;
        4. only after this returns may the caller commit rows that point at the blobs. A
           crash before that commit leaves unreferenced ciphertext, which the retention
           orphan sweep removes.

        On an error some files may already be in the store (unreferenced, as above; the
        directories touched so far are still fsynced) and the rest stay where they were.
        """
        files = [Path(p) for p in paths]
        refs = _parallel(self._hash_and_sync, files)
        fans: set[Path] = set()
        new_fan = False
        try:
            for path, ref in zip(files, refs, strict=True):
                final = self.path(ref.sha256)
                if final.exists():  # same content already stored
                    path.unlink()
                    continue
                if not final.parent.exists():
                    final.parent.mkdir(mode=0o700, exist_ok=True)
                    new_fan = True
                coarsen_times(path)
                os.replace(path, final)
                fans.add(final.parent)
        finally:
            _parallel(fsync_dir, sorted(fans))
            if new_fan:
                fsync_dir(self.root)
            for d in [*fans, self.root] if fans else []:
                coarsen_times(d)
        return refs

    def _hash_and_sync(self, path: Path) -> BlobRef:
        digest = hashlib.sha256()
        size = 0
        with open(path, "rb") as f:
            while block := f.read(_CHUNK):
                digest.update(block)
                size += len(block)
            os.fsync(f.fileno())
        return BlobRef(digest.hexdigest(), size)

    def _install(self, tmp: Path, sha256: str) -> bool:
        """Rename ``tmp`` to its content address; False if that address was already stored."""
        final = self.path(sha256)
        if final.exists():  # same content already stored: keep the old file, drop the new
            tmp.unlink()
            return False
        fan = final.parent
        new_dir = not fan.exists()
        fan.mkdir(mode=0o700, exist_ok=True)
        coarsen_times(tmp)
        os.replace(tmp, final)
        fsync_dir(fan)
        if new_dir:
            fsync_dir(self.root)
        for d in (fan, self.root, tmp.parent):
            coarsen_times(d)
        return True

    def open(self, sha256: str) -> BinaryIO:
        """Open a blob for reading; BlobNotFoundError if absent."""
        check_sha(sha256)
        try:  # os.path, not pathlib: an export opens one blob per item (20,000+ per run)
            return open(os.path.join(self.root, sha256[:2], sha256), "rb")
        except FileNotFoundError as exc:
            raise BlobNotFoundError(f"no blob {sha256}") from exc

    def exists(self, sha256: str) -> bool:
        """True if a blob with this address is stored."""
        return self.path(sha256).is_file()

    def size(self, sha256: str) -> int:
        """Size of a stored blob in bytes; BlobNotFoundError if absent."""
        try:
            return self.path(sha256).stat().st_size
        except FileNotFoundError as exc:
            raise BlobNotFoundError(f"no blob {sha256}") from exc

    def delete(self, sha256: str) -> None:
        """Overwrite with zeros, fsync, unlink, fsync the directory. Absent blobs are fine.

        Deletes by content address, whoever stored the bytes: on a server with a database,
        call ``Vault.discard`` or ``Vault.delete_unreferenced`` instead, which check that no
        row references the blob. Best effort on SSDs and copy-on-write filesystems, where
        old blocks may survive.
        """
        path = self.path(sha256)
        overwrite_and_unlink(path)

    def written_before(self, sha256: str, day: dt.date) -> bool:
        """True if the blob's file is dated (mtime, a day) before ``day``."""
        try:
            return self.path(sha256).stat().st_mtime < day_start(day)
        except FileNotFoundError:
            return False

    def delete_within(self, s: Any, sha256: str) -> None:
        """:meth:`delete` (a file is gone at once, whatever becomes of the transaction ``s``)."""
        self.delete(sha256)

    def sweep(self, today: dt.date | None = None) -> int:
        """Returns 0: a crashed writer leaves a temporary file in ``tmp_dir``, never a file
        under a content address, so there is nothing here to sweep."""
        return 0

    def iter_shas(self) -> Iterator[str]:
        """Every stored blob address (order unspecified)."""
        for fan in sorted(self.root.iterdir()):
            if fan.is_dir() and len(fan.name) == 2 and fan.name != "tmp":
                for entry in fan.iterdir():
                    if _SHA_RE.match(entry.name):
                        yield entry.name


def overwrite_and_unlink(path: Path) -> None:
    """Overwrite a file with zeros in place, fsync it, unlink it and fsync its directory."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except FileNotFoundError:
        return
    try:
        remaining = os.fstat(fd).st_size
        zeros = bytes(min(_CHUNK, remaining))
        while remaining > 0:
            remaining -= os.write(fd, zeros[: min(len(zeros), remaining)])
        os.fsync(fd)
    finally:
        os.close(fd)
    path.unlink(missing_ok=True)
    fsync_dir(path.parent)
    coarsen_times(path.parent)
