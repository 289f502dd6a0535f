"""Resumable uploads: ciphertext arriving piece by piece until it becomes a stored blob.

The browser path uploads an envelope in pieces (``intake/api.py``). Each upload is a row
(:class:`~vault.models.Upload`: declared size, bytes received, expiry day, a hash of the
owner's token) and a file in ``uploads/`` named by its random id. A piece is fsynced before
its new offset is recorded, so a crash loses at most the piece in flight; :meth:`Uploads.finish`
moves the complete file into the blob store. Expired sessions and orphaned files are
overwritten before they are unlinked.

What it stores, and so what a seizure yields: random upload ids, a hash of each owner token
(never the token), declared and received sizes, the expiry day, and partial ciphertext. File
times are coarsened to the day.
"""

from __future__ import annotations

import base64
import datetime as dt
import errno
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from crypto.fsutil import fsync_dir

from .blobstore import BlobRef, LocalBlobStore, coarsen_times, day_start, overwrite_and_unlink
from .errors import (
    BlobIntegrityError,
    DiskFullError,
    UploadGapError,
    UploadIncompleteError,
    UploadNotFoundError,
    UploadSizeError,
)
from .models import Upload

__all__ = ["Uploads"]

_HASH_CHUNK = 1 << 20


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _new_id() -> str:
    """80 random bits as 16 lowercase base32 symbols: opaque, URL- and filename-safe."""
    return base64.b32encode(secrets.token_bytes(10)).decode().lower()


def _owner_hash(owner: bytes) -> bytes:
    return hashlib.sha256(b"bisik/v1 upload-owner\x00" + owner).digest()


class Uploads:
    """Upload sessions of one vault: rows in its database, files in ``directory``.

    Each public method is one transaction. Sessions expire ``days`` days after the day they
    start (day precision).
    """

    def __init__(
        self, sessions: sessionmaker[Session], read_sessions: sessionmaker[Session],
        blobs: LocalBlobStore, directory: Path, days: int,
    ) -> None:  # fmt: skip
        self._sessions = sessions
        self._read_sessions = read_sessions
        self._blobs = blobs
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.days = days

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

    def start(self, *, owner: bytes, total_size: int) -> str:
        """Open a resumable upload of ``total_size`` ciphertext bytes; return its id.

        The session expires ``days`` days after today (day precision).
        """
        if total_size <= 0:
            raise UploadSizeError("an upload needs a positive size")
        upload_id = _new_id()
        path = self._path(upload_id)
        path.touch(mode=0o600, exist_ok=False)
        coarsen_times(path)
        coarsen_times(self.directory)
        with self._tx() as s:
            expires = _today() + dt.timedelta(days=self.days)
            s.add(Upload(id=upload_id, owner_hash=_owner_hash(owner), total_size=total_size,
                         received=0, expires_on=expires))  # fmt: skip
        return upload_id

    def open_bytes(self) -> int:
        """Bytes held by every session not yet finished or removed (expired ones included:
        their files stay on disk until :meth:`expire` runs)."""
        with self._read() as s:
            return int(s.scalar(select(func.coalesce(func.sum(Upload.received), 0))) or 0)

    def offset(self, upload_id: str, owner: bytes) -> int:
        """How many bytes are stored; resume sending from there."""
        with self._read() as s:
            return self._row(s, upload_id, owner, lock=False).received

    def append(self, upload_id: str, owner: bytes, offset: int, data: bytes) -> int:
        """Store a piece at ``offset``; return the new stored offset.

        A piece wholly before the stored offset (a retried duplicate) is acknowledged without
        change; a piece overlapping it appends only its new tail. UploadGapError if ``offset``
        is past the stored end, UploadSizeError if the piece would exceed the declared size.
        The bytes are fsynced before the new offset is recorded.
        """
        if offset < 0:
            raise UploadGapError("negative offset")
        with self._tx() as s:
            row = self._row(s, upload_id, owner)
            stored = row.received
            if offset > stored:
                raise UploadGapError(f"piece at {offset} but only {stored} bytes stored")
            end = offset + len(data)
            if end > row.total_size:
                raise UploadSizeError("piece goes past the declared size")
            if end <= stored:
                return stored
            self._write_piece(upload_id, stored, memoryview(data)[stored - offset :])
            row.received = end
            return end

    def _write_piece(self, upload_id: str, at: int, piece: memoryview) -> None:
        path = self._path(upload_id)
        try:
            with open(path, "r+b") as f:
                f.truncate(at)  # drop bytes a crash left past the recorded offset
                f.seek(at)
                f.write(piece)
                f.flush()
                os.fsync(f.fileno())
        except FileNotFoundError as exc:
            raise UploadNotFoundError("upload data is missing") from exc
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):  # give the space back
                with open(path, "r+b") as f:
                    f.truncate(at)
                raise DiskFullError("disk full while storing an upload piece") from exc
            raise
        coarsen_times(path)

    def finish(self, upload_id: str, owner: bytes, sha256: str | None = None) -> BlobRef:
        """Check the size (and SHA-256, if given) of a complete upload; move it into the store.

        With ``sha256=None`` the store computes the hash itself and returns it in the BlobRef
        (the browser path: the client no longer hashes what it streams, SPEC §8).
        UploadIncompleteError if bytes are missing (the session stays, resume it);
        BlobIntegrityError if a given hash differs (the session and its bytes are discarded).
        """
        ref: BlobRef | None = None
        with self._tx() as s:
            row = self._row(s, upload_id, owner)
            if row.received != row.total_size:
                raise UploadIncompleteError(f"{row.total_size - row.received} bytes missing")
            path = self._path(upload_id)
            with open(path, "r+b") as f:
                f.truncate(row.total_size)
            if sha256 is None or _file_sha256(path) == sha256:
                ref = self._blobs.put_file(path)
            else:  # useless bytes: discard them with the session, then report
                overwrite_and_unlink(path)
            s.delete(row)
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
        if removed:
            fsync_dir(self.directory)
        return removed


def _as_day(now: dt.datetime | dt.date | None) -> dt.date:
    if now is None:
        return _today()
    if isinstance(now, dt.datetime):
        return now.astimezone(dt.UTC).date() if now.tzinfo else now.date()
    return now


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_HASH_CHUNK):
            digest.update(block)
    return digest.hexdigest()
