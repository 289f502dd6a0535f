"""Resumable uploads: ciphertext arriving piece by piece until it becomes a stored blob.

The browser path uploads an envelope in pieces, several at once and so in any order
(``intake/api``). Each upload is a row (:class:`~vault.models.Upload`: declared size, expiry
day, a hash of the owner's token) and a file in ``uploads/`` named by its random id.

A piece costs bounded work and no fsync: under an advisory lock on the file, the bytes of its
range that are not stored yet are written at their offset, and an empty marker file named
after the range (``upload-ranges/<id>/<boot>.<start>.<end>``, beside ``uploads/``) records
them. Each byte is
written once, so what was hashed is what is stored. The database is only read per piece.
Durability is where it matters, at :meth:`Uploads.finish`: the file is fsynced as it enters
the blob store. Unsynced data survives a crash of the service (it is in the kernel's page
cache) but not of the machine; markers carry the boot id, so after a reboot the ranges of the
previous boot are not trusted and the upload reads as incomplete (the browser then reports an
error and the reporter sends again), never as complete with lost bytes.

The piece that completes an upload finishes it in the same call (:meth:`Uploads.store_piece`),
so a browser needs no separate round trip. A finished session stays until it expires, holding
no quota and answering with its blob's address (every range held, resent pieces acknowledged,
:meth:`Uploads.finish` again gives the same blob), so a browser whose answer was lost can ask
again.

The SHA-256 (the blob's address) is kept on the way: the process that stores the piece that
continues its hashed prefix hashes it from memory; :meth:`Uploads.finish` hashes only what
is left (all of it, if every piece went to other worker processes).

What it stores, and so what a seizure yields: random upload ids, a hash of each owner token
(never the token), declared sizes, the byte ranges received, the expiry day, partial
ciphertext, and until expiry the address of the blob a finished session became (which says
that this blob came through the browser path, on or after the session's start). File times are
coarsened to the day.
"""

from __future__ import annotations

import base64
import datetime as dt
import errno
import fcntl
import hashlib
import hmac
import os
import secrets
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crypto.fsutil import fsync_dir

from .blobstore import BlobRef, BlobStore, coarsen_times, day_start, overwrite_and_unlink
from .errors import (
    BlobIntegrityError,
    DiskFullError,
    UploadGapError,
    UploadIncompleteError,
    UploadNotFoundError,
    UploadQuotaError,
    UploadSizeError,
)
from .models import Upload

__all__ = ["PieceStored", "Uploads", "upload_id_for"]

_HASH_CHUNK = 1 << 20
_KEPT_HASHES = 256  # running hashes kept per process (about 200 bytes each)
# PostgreSQL advisory lock key that serialises quota checks across nodes ("BiskUpld").
_QUOTA_LOCK = int.from_bytes(b"BiskUpld", "big") & 0x7FFF_FFFF_FFFF_FFFF


def _boot_id() -> str:
    """This boot of the machine: data not fsynced survives a process crash, not a reboot."""
    try:
        return open("/proc/sys/kernel/random/boot_id").read().strip().replace("-", "")[:16]
    except OSError:  # not Linux: trust no marker of an earlier process start
        return secrets.token_hex(8)


_BOOT = _boot_id()


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _new_id() -> str:
    """80 random bits as 16 lowercase base32 symbols: opaque, URL- and filename-safe."""
    return base64.b32encode(secrets.token_bytes(10)).decode().lower()


def upload_id_for(owner: bytes) -> str:
    """The id of the upload owned by the token ``owner``: the first 80 bits of
    SHA-256("bisik/v1 upload-id" 0x00 ‖ owner), in lowercase hex. A browser that chose its own
    token knows its upload's id without asking, and nobody can open an upload under an id
    without the token it comes from."""
    return hashlib.sha256(b"bisik/v1 upload-id\x00" + owner).digest()[:10].hex()


def _owner_hash(owner: bytes) -> bytes:
    return hashlib.sha256(b"bisik/v1 upload-owner\x00" + owner).digest()


@dataclass(frozen=True)
class PieceStored:
    """What storing a piece did: the prefix now stored without a hole, and the blob the
    upload became if this piece completed it (or it was already finished)."""

    offset: int
    blob: BlobRef | None = None


class Uploads:
    """Upload sessions of one vault: rows in its database, files in ``directory``.

    Each public method is one transaction. Sessions expire ``days`` days after the day they
    start (day precision).
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        read_sessions: sessionmaker[Session],
        blobs: BlobStore,
        directory: Path,
        days: int,
    ) -> None:
        self._sessions = sessions
        self._read_sessions = read_sessions
        self._blobs = blobs
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.days = days
        self.ranges_dir = directory.parent / "upload-ranges"
        self.ranges_dir.mkdir(exist_ok=True, mode=0o700)
        self._hashes: dict[str, tuple[Any, int]] = {}  # upload id -> (sha256, bytes hashed)
        self._hash_lock = threading.Lock()

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with self._read_sessions() as session, session.begin():
            yield session

    def _path(self, upload_id: str) -> Path:
        return self.directory / upload_id

    def _row(self, s: Session, upload_id: str, owner: bytes, *, lock: bool = True) -> Upload:
        row = s.get(Upload, upload_id, with_for_update=lock)
        if row is None or not hmac.compare_digest(row.owner_hash, _owner_hash(owner)):
            raise UploadNotFoundError("no such upload session")
        if row.expires_on <= _today():
            raise UploadNotFoundError("no such upload session")
        return row

    def start(
        self,
        *,
        owner: bytes,
        total_size: int,
        quota: int | None = None,
        upload_id: str | None = None,
    ) -> str:
        """Open a resumable upload of ``total_size`` ciphertext bytes; return its id.

        With ``quota``, the check "open uploads plus this one stay within ``quota`` bytes" and
        the new row are one transaction that no other start can interleave with (SQLite's
        ``BEGIN IMMEDIATE``; on PostgreSQL a transaction-scoped advisory lock), so concurrent
        starts on any number of workers or nodes cannot overshoot it together:
        UploadQuotaError, and nothing is opened. The session expires ``days`` days after
        today (day precision).

        ``upload_id`` (see :func:`upload_id_for`) names the session instead of a random id,
        so a client that chose its owner token knows the id before any answer. Opening it
        again with the same owner and size returns it unchanged (a start whose answer was
        lost); with another owner or size: UploadNotFoundError, and nothing changes.
        """
        if total_size <= 0:
            raise UploadSizeError("an upload needs a positive size")
        if upload_id is not None:
            if self._opened(upload_id, owner, total_size):
                return upload_id
            try:
                return self._start(owner, total_size, quota, upload_id)
            except (FileExistsError, IntegrityError):  # the same start, on another worker
                if self._opened(upload_id, owner, total_size):
                    return upload_id
                raise
        return self._start(owner, total_size, quota, _new_id())

    def _opened(self, upload_id: str, owner: bytes, total_size: int) -> bool:
        """Whether ``upload_id`` is open already, for this owner and size (UploadNotFoundError
        if it is someone else's or of another size)."""
        with self._read() as s:
            if s.get(Upload, upload_id) is None:
                return False
            if self._row(s, upload_id, owner, lock=False).total_size != total_size:
                raise UploadNotFoundError("no such upload session")
        return True

    def _start(self, owner: bytes, total_size: int, quota: int | None, upload_id: str) -> str:
        """Open the session: its rows first, then its storage, in one transaction. The row
        decides a race to open one id (pieces of one upload arriving together, on any worker
        or node): the database lets one insert through and fails the others (IntegrityError)
        before they make anything, so a loser never finds the winner's storage half made."""
        made = False
        try:
            with self._tx() as s:
                if quota is not None:
                    self._hold_quota(s, total_size, quota)
                expires = _today() + dt.timedelta(days=self.days)
                s.add(
                    Upload(
                        id=upload_id,
                        owner_hash=_owner_hash(owner),
                        total_size=total_size,
                        received=0,
                        expires_on=expires,
                    )
                )
                self._start_rows(s, upload_id)
                s.flush()  # a racing opening of this id waits here, then fails
                self._open_storage(upload_id)
                made = True
        except BaseException:
            if made:  # the commit failed: nothing may stay behind
                self._close_storage(upload_id)
            raise
        self._coarsen(upload_id)
        return upload_id

    def _open_storage(self, upload_id: str) -> None:
        """Make the place the pieces of a new upload go (here: an empty file)."""
        self._path(upload_id).touch(mode=0o600, exist_ok=False)

    def _start_rows(self, s: Session, upload_id: str) -> None:
        """More rows for a new session, in its transaction (none for files)."""

    def _close_storage(self, upload_id: str) -> None:
        """Remove what :meth:`_open_storage` made (the session did not start)."""
        self._path(upload_id).unlink(missing_ok=True)

    def _coarsen(self, upload_id: str) -> None:
        """Day-only times on the new upload's file and its directory."""
        coarsen_times(self._path(upload_id))
        coarsen_times(self.directory)

    @staticmethod
    def _hold_quota(s: Session, incoming: int, quota: int) -> None:
        if s.get_bind().dialect.name == "postgresql":
            s.execute(select(func.pg_advisory_xact_lock(_QUOTA_LOCK)))
        held = int(s.scalar(_open_total()) or 0)
        if held + incoming > quota:
            raise UploadQuotaError("open uploads would exceed their quota")

    def open_bytes(self) -> int:
        """Bytes reserved by every session not yet finished or removed: their declared sizes
        (a session may hold that much at any time, its pieces arriving in any order; expired
        ones included: their files stay on disk until :meth:`expire` runs)."""
        with self._read() as s:
            return int(s.scalar(_open_total()) or 0)

    def offset(self, upload_id: str, owner: bytes) -> int:
        """How many bytes from the start are stored without a hole."""
        have = self.ranges(upload_id, owner)
        return have[0][1] if have and have[0][0] == 0 else 0

    def ranges(self, upload_id: str, owner: bytes) -> list[tuple[int, int]]:
        """The stored byte ranges, merged and sorted: resend only what is not in them."""
        with self._read() as s:
            row = self._row(s, upload_id, owner, lock=False)
            if row.sha256 is not None:
                return [(0, row.total_size)]
        return _merge(self._markers(upload_id))

    def append(self, upload_id: str, owner: bytes, offset: int, data: bytes) -> int:
        """Store a piece at ``offset`` (any order; resent bytes are acknowledged as they are).

        Returns how many bytes from the start are now stored without a hole. UploadGapError
        for a negative offset, UploadSizeError past the declared size. Nothing is fsynced and
        the database is only read (see the module docstring for what a crash can lose).
        """
        return self._append(upload_id, owner, offset, data)[0]

    def store_piece(self, upload_id: str, owner: bytes, offset: int, data: bytes) -> PieceStored:
        """:meth:`append`, then :meth:`finish` if this piece completed the upload.

        The browser path's one call per piece: the piece that completes an upload also makes
        it a blob (fsync and all, as :meth:`finish`), so no separate request is needed. On a
        finished session the piece is acknowledged and the blob returned again. Raises what
        :meth:`append` and :meth:`finish` raise.
        """
        offset_now, total, blob = self._append(upload_id, owner, offset, data)
        if blob is None and offset_now == total:
            blob = self.finish(upload_id, owner)
        return PieceStored(offset_now, blob)

    def _append(
        self, upload_id: str, owner: bytes, offset: int, data: bytes
    ) -> tuple[int, int, BlobRef | None]:
        """:meth:`append`'s work: (prefix stored, declared size, the blob if finished)."""
        if offset < 0:
            raise UploadGapError("negative offset")
        with self._read() as s:
            row = self._row(s, upload_id, owner, lock=False)
            total, done = row.total_size, row.sha256
        if offset + len(data) > total:
            raise UploadSizeError("piece goes past the declared size")
        if done is not None:  # finished: every byte is in the blob; acknowledge the resend
            return total, total, BlobRef(done, total)
        view = memoryview(data)
        with self._locked(upload_id) as fd:
            have = _merge(self._markers(upload_id))
            for start, end in _missing(have, offset, offset + len(view)):
                part = view[start - offset : end - offset]
                self._write_range(upload_id, fd, start, part, have)
                have = _merge([*have, (start, end)])
                self._hash_on_the_way(upload_id, start, part)  # only bytes written here
        return (have[0][1] if have and have[0][0] == 0 else 0), total, None

    @contextmanager
    def _locked(self, upload_id: str) -> Iterator[int]:
        """The upload file, open for writing under an exclusive lock (threads and processes)."""
        try:
            fd = os.open(self._path(upload_id), os.O_RDWR)
        except FileNotFoundError as exc:
            raise UploadNotFoundError("upload data is missing") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield fd
        finally:
            os.close(fd)  # also releases the lock

    def _pieces_dir(self, upload_id: str) -> Path:
        return self.ranges_dir / upload_id

    def _markers(self, upload_id: str) -> list[tuple[int, int]]:
        """Ranges stored during this boot (markers of an earlier boot are not trusted)."""
        try:
            names = os.listdir(self._pieces_dir(upload_id))
        except FileNotFoundError:
            return []
        out = []
        for name in names:
            boot, _, span = name.partition(".")
            start, _, end = span.partition(".")
            if boot == _BOOT and start.isdigit() and end.isdigit():
                out.append((int(start), int(end)))
        return out

    def _write_range(
        self, upload_id: str, fd: int, at: int, piece: memoryview, have: list[tuple[int, int]]
    ) -> None:
        try:
            done = 0
            while done < len(piece):  # a nearly full disk takes part of a write, then refuses
                written = os.pwrite(fd, piece[done:], at + done)
                if written == 0:
                    raise OSError(errno.ENOSPC, "no byte written")
                done += written
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):  # give the space back
                os.ftruncate(fd, max((e for _s, e in have), default=0))
                raise DiskFullError("disk full while storing an upload piece") from exc
            raise
        pieces = self._pieces_dir(upload_id)
        pieces.mkdir(mode=0o700, exist_ok=True)
        marker = pieces / f"{_BOOT}.{at}.{at + len(piece)}"
        marker.touch(mode=0o600)
        for path in (marker, pieces, self._path(upload_id), self.ranges_dir):
            coarsen_times(path)

    def _hash_on_the_way(self, upload_id: str, offset: int, piece: memoryview) -> None:
        """Feed the running SHA-256 if this piece continues the prefix this process hashed."""
        with self._hash_lock:
            digest, upto = self._hashes.pop(upload_id, (hashlib.sha256(), 0))
            if offset <= upto < offset + len(piece):
                digest.update(piece[upto - offset :])
                upto = offset + len(piece)
            if upto:
                self._hashes[upload_id] = (digest, upto)
            while len(self._hashes) > _KEPT_HASHES:  # oldest first: finish re-reads for it
                self._hashes.pop(next(iter(self._hashes)))

    def _digest(self, upload_id: str, path: Path, total: int) -> str:
        """The SHA-256 of the complete file: the running hash, then what it had not seen."""
        with self._hash_lock:
            digest, upto = self._hashes.pop(upload_id, (hashlib.sha256(), 0))
        with open(path, "rb") as f:
            f.seek(upto)
            while upto < total and (block := f.read(min(_HASH_CHUNK, total - upto))):
                digest.update(block)
                upto += len(block)
        return digest.hexdigest()

    def finish(self, upload_id: str, owner: bytes, sha256: str | None = None) -> BlobRef:
        """Check that every byte is stored (and the SHA-256, if given); move it into the store.

        With ``sha256=None`` the SHA-256 is the one computed here (the browser path: the
        client does not hash what it streams, SPEC §8). The file is fsynced on its way into
        the blob store, the only fsync of an upload. UploadIncompleteError if bytes are
        missing (the session stays, resume it); BlobIntegrityError if a given hash differs
        (the session and its bytes are discarded). A finished session answers with the same
        blob again (BlobIntegrityError, nothing discarded, if a given hash differs).
        """
        ref: BlobRef | None = None
        with self._tx() as s:
            row = self._row(s, upload_id, owner)
            if row.sha256 is not None:
                return _finished(row.sha256, row.total_size, sha256)
            path = self._path(upload_id)
            with self._locked(upload_id) as fd:
                have = _merge(self._markers(upload_id))
                stored = have[0][1] if have and have[0][0] == 0 else 0
                if stored != row.total_size:
                    raise UploadIncompleteError(f"{row.total_size - stored} bytes missing")
                os.ftruncate(fd, row.total_size)
                digest = self._digest(upload_id, path, row.total_size)
            if sha256 is None or digest == sha256:
                ref = self._blobs.put_hashed(path, BlobRef(digest, row.total_size))
            else:  # useless bytes: discard them with the session, then report
                overwrite_and_unlink(path)
            shutil.rmtree(self._pieces_dir(upload_id), ignore_errors=True)
            coarsen_times(self.ranges_dir)
            if ref is None:
                s.delete(row)
            else:
                row.sha256 = ref.sha256
        if ref is None:
            raise BlobIntegrityError("the upload does not match its hash")
        return ref

    def expire(self, now: dt.datetime | dt.date | None = None) -> int:
        """Remove upload sessions that have expired by ``now``; their bytes are overwritten."""
        day = _as_day(now)
        with self._tx() as s:
            ids = s.scalars(select(Upload.id).where(Upload.expires_on <= day)).all()
            for upload_id in ids:
                overwrite_and_unlink(self._path(upload_id))
                shutil.rmtree(self._pieces_dir(upload_id), ignore_errors=True)
            for directory in (self.directory, self.ranges_dir):
                coarsen_times(directory)
            if ids:
                s.execute(delete(Upload).where(Upload.id.in_(ids)))
        return len(ids)

    def sweep(self) -> int:
        """Remove files in uploads/ that no session owns (left by a crash); return the count.

        Only files dated before today are touched, so a session being started right now
        (file created, row not yet committed) is never swept.
        """
        with self._read() as s:
            known = set(s.scalars(select(Upload.id)).all())
        removed = 0
        today = day_start()
        for path in self.directory.iterdir():
            if path.is_file() and path.name not in known and path.stat().st_mtime < today:
                overwrite_and_unlink(path)
                removed += 1
        for path in self.ranges_dir.iterdir():  # empty marker files of sessions gone
            if path.name not in known and path.stat().st_mtime < today:
                shutil.rmtree(path, ignore_errors=True)
        if removed:
            fsync_dir(self.directory)
        return removed


def _open_total() -> Any:
    """SELECT the declared sizes of the sessions not finished yet, summed."""
    return select(func.coalesce(func.sum(Upload.total_size), 0)).where(Upload.sha256.is_(None))


def _finished(done: str, size: int, sha256: str | None) -> BlobRef:
    """The blob ``done`` a finished session became; BlobIntegrityError if ``sha256`` names
    another."""
    if sha256 is not None and sha256 != done:
        raise BlobIntegrityError("the upload does not match its hash")
    return BlobRef(done, size)


def _as_day(now: dt.datetime | dt.date | None) -> dt.date:
    if now is None:
        return _today()
    if isinstance(now, dt.datetime):
        return now.astimezone(dt.UTC).date() if now.tzinfo else now.date()
    return now


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, non-overlapping ranges covering the same bytes (touching ones joined)."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _missing(have: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    """The parts of [start, end) that ``have`` (merged) does not cover."""
    out = []
    for a, b in have:
        if b <= start or a >= end:
            continue
        if a > start:
            out.append((start, a))
        start = max(start, b)
    if start < end:
        out.append((start, end))
    return out
