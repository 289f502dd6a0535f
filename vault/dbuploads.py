"""Resumable uploads whose pieces are rows, for intake nodes that share only the database.

With ``blob_store = "database"`` an upload started through one node may continue and finish
through any other: the session is the ``uploads`` row (as with files) and its bytes are
``upload_pieces`` rows, one per stored range, never overlapping, so each byte is stored once.

A piece is one transaction that locks the session row (``SELECT … FOR UPDATE``: pieces of one
upload arriving on several nodes at once are stored one after another), inserts the parts of
its range not yet stored, and commits without waiting for the WAL flush (no per-piece fsync).
:meth:`DatabaseUploads.finish` commits normally, so the finished blob and, because PostgreSQL
flushes the WAL in order, every piece before it are durable when it returns. A crash of the
database machine can lose the last acknowledged pieces of an unfinished upload: they are then
missing from :meth:`~vault.uploads.Uploads.ranges` and the browser sends them again; it can
never leave a half-stored piece or a blob with lost bytes.

Finishing hashes what the process has not already hashed on the way (one piece at a time),
then turns the pieces into the blob's chunks with one ``INSERT … SELECT`` inside the database
and drops the session, in one transaction: the blob becomes visible exactly when the upload
goes. What it stores is what the file form stores: random ids, an owner-token hash, declared
sizes, ranges, the expiry day, partial ciphertext.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import delete, func, insert, literal, select
from sqlalchemy.orm import Session

from .blobstore import BlobRef
from .dbblobs import DatabaseBlobStore, new_content_id, relax_commit
from .errors import BlobIntegrityError, UploadGapError, UploadIncompleteError, UploadSizeError
from .models import BlobChunk, BlobContent, Upload, UploadPiece
from .uploads import Uploads, _as_day, _merge, _missing

__all__ = ["DatabaseUploads"]


class DatabaseUploads(Uploads):
    """:class:`vault.uploads.Uploads` with the pieces in ``upload_pieces`` (see above)."""

    _blobs: DatabaseBlobStore

    def _open_storage(self, upload_id: str) -> None:
        """Nothing to make: the pieces are rows of the session."""

    def _close_storage(self, upload_id: str) -> None:
        """Nothing to remove: no row was committed."""

    def _coarsen(self, upload_id: str) -> None:
        """No files, no file times."""

    def _stored(self, s: Session, upload_id: str) -> list[tuple[int, int]]:
        rows = s.execute(select(UploadPiece.at, func.length(UploadPiece.data))
                         .where(UploadPiece.upload_id == upload_id))  # fmt: skip
        return _merge([(int(at), int(at) + int(n)) for at, n in rows])

    def ranges(self, upload_id: str, owner: bytes) -> list[tuple[int, int]]:
        """The stored byte ranges, merged and sorted: resend only what is not in them."""
        with self._read() as s:
            self._row(s, upload_id, owner, lock=False)
            return self._stored(s, upload_id)

    def append(self, upload_id: str, owner: bytes, offset: int, data: bytes) -> int:
        """Store a piece at ``offset`` (any order, on any node; resent bytes are acknowledged
        as they are). Returns how many bytes from the start are stored without a hole.
        UploadGapError for a negative offset, UploadSizeError past the declared size."""
        if offset < 0:
            raise UploadGapError("negative offset")
        view = memoryview(data)
        with self._tx() as s:
            relax_commit(s)
            total = self._row(s, upload_id, owner).total_size  # locks the session row
            if offset + len(view) > total:
                raise UploadSizeError("piece goes past the declared size")
            have = self._stored(s, upload_id)
            added = _missing(have, offset, offset + len(view))
            for start, end in added:
                s.add(UploadPiece(upload_id=upload_id, at=start,
                                  data=bytes(view[start - offset : end - offset])))  # fmt: skip
                have = _merge([*have, (start, end)])
        for start, end in added:  # only bytes now committed: what was hashed is what is stored
            self._hash_on_the_way(upload_id, start, view[start - offset : end - offset])
        return have[0][1] if have and have[0][0] == 0 else 0

    def _digest_rows(self, s: Session, upload_id: str, total: int) -> str:
        """The SHA-256 of the whole upload: the running hash, then the pieces it had not seen,
        read one row at a time."""
        with self._hash_lock:
            digest, upto = self._hashes.pop(upload_id, (hashlib.sha256(), 0))
        starts = s.scalars(select(UploadPiece.at).where(UploadPiece.upload_id == upload_id)
                           .order_by(UploadPiece.at)).all()  # fmt: skip
        for at in starts:
            if upto >= total:
                break
            data = s.scalar(select(UploadPiece.data).where(
                UploadPiece.upload_id == upload_id, UploadPiece.at == at))  # fmt: skip
            if data is not None and at + len(data) > upto:
                digest.update(memoryview(data)[upto - at :])
                upto = at + len(data)
        return digest.hexdigest()

    def finish(self, upload_id: str, owner: bytes, sha256: str | None = None) -> BlobRef:
        """Check that every byte is stored (and the SHA-256, if given); make them a blob.

        As :meth:`vault.uploads.Uploads.finish`: UploadIncompleteError leaves the session to
        resume; BlobIntegrityError discards it. If the same bytes are already stored, the
        pieces are dropped and the stored blob is the result.
        """
        matched = False
        with self._tx() as s:
            row = self._row(s, upload_id, owner)
            have = self._stored(s, upload_id)
            stored = have[0][1] if have and have[0][0] == 0 else 0
            if stored != row.total_size:
                raise UploadIncompleteError(f"{row.total_size - stored} bytes missing")
            digest = self._digest_rows(s, upload_id, row.total_size)
            matched = sha256 is None or digest == sha256
            if matched:
                self._adopt(s, upload_id, BlobRef(digest, row.total_size))
            s.execute(delete(UploadPiece).where(UploadPiece.upload_id == upload_id))
            s.delete(row)
        if not matched:
            raise BlobIntegrityError("the upload does not match its hash")
        return BlobRef(digest, row.total_size)

    @staticmethod
    def _adopt(s: Session, upload_id: str, ref: BlobRef) -> None:
        """Copy the pieces into a new blob's chunks, inside the database (same transaction)."""
        if s.scalar(select(BlobContent.id).where(BlobContent.sha256 == ref.sha256)):
            return  # already stored (the same envelope uploaded twice): keep that one
        content_id = new_content_id()
        s.add(BlobContent(id=content_id, sha256=ref.sha256, size=ref.size,
                          day=dt.datetime.now(dt.UTC).date()))  # fmt: skip
        s.flush()
        pieces = select(literal(content_id), UploadPiece.at, UploadPiece.data).where(
            UploadPiece.upload_id == upload_id)  # fmt: skip
        s.execute(insert(BlobChunk).from_select(["content_id", "at", "data"], pieces))

    def expire(self, now: dt.datetime | dt.date | None = None) -> int:
        """Remove upload sessions that have expired by ``now`` and their pieces."""
        day = _as_day(now)
        with self._tx() as s:
            ids = s.scalars(select(Upload.id).where(Upload.expires_on <= day)).all()
            if ids:
                s.execute(delete(UploadPiece).where(UploadPiece.upload_id.in_(ids)))
                s.execute(delete(Upload).where(Upload.id.in_(ids)))
        return len(ids)

    def sweep(self) -> int:
        """Remove blob writes a crash left unfinished before today (pieces go with their
        session, so none can be left without one); the count."""
        return self._blobs.sweep()
