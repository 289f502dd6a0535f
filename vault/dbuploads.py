"""Resumable uploads whose pieces are rows, for intake nodes that share only the database.

With ``blob_store = "database"`` an upload started through one node may continue and finish
through any other: the session is the ``uploads`` row (as with files), and its bytes are the
chunks of a blob still being written (a ``blob_contents`` row without an address, whose id is
the upload's), one ``blob_chunks`` row per stored range, never overlapping, so each byte is
stored once.

A piece is one transaction that locks the session row (``SELECT … FOR UPDATE``: pieces of one
upload arriving on several nodes at once are stored one after another), inserts the parts of
its range not yet stored, and commits without waiting for the WAL flush (no per-piece fsync).
:meth:`DatabaseUploads.finish` commits normally, so the finished blob and, because PostgreSQL
flushes the WAL in order, every piece before it are durable when it returns. A crash of the
database machine can lose the last acknowledged pieces of an unfinished upload: they are then
missing from :meth:`~vault.uploads.Uploads.ranges` and the browser sends them again; it can
never leave a half-stored piece or a blob with lost bytes.

Finishing hashes what the process has not already hashed on the way (one piece at a time),
then gives the blob its address and marks the session finished, in one transaction: the
pieces become the blob where they lie (nothing is copied), visible exactly when the session
is finished. A finished session answers with its blob until it expires, as with files. What
it stores is what the file form stores: random ids, an owner-token hash, declared sizes,
ranges, the expiry day, partial ciphertext, and a finished session's blob address.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import Session

from .blobstore import BlobRef
from .dbblobs import DatabaseBlobStore, relax_commit
from .errors import BlobIntegrityError, UploadGapError, UploadIncompleteError, UploadSizeError
from .models import BlobChunk, BlobContent, Upload
from .uploads import Uploads, _as_day, _finished, _merge, _missing

__all__ = ["DatabaseUploads"]


class DatabaseUploads(Uploads):
    """:class:`vault.uploads.Uploads` whose pieces are the chunks of a blob still being
    written (see above)."""

    _blobs: DatabaseBlobStore

    def _open_storage(self, upload_id: str) -> None:
        """Nothing to make besides the session's rows (see :meth:`_start_rows`)."""

    def _start_rows(self, s: Session, upload_id: str) -> None:
        """The blob the pieces will be: no address yet, so no reader sees it."""
        s.add(BlobContent(id=upload_id, sha256=None, size=0, day=_today()))

    def _close_storage(self, upload_id: str) -> None:
        """Nothing to remove: no row was committed."""

    def _coarsen(self, upload_id: str) -> None:
        """No files, no file times."""

    @staticmethod
    def _stored(s: Session, upload_id: str) -> list[tuple[int, int]]:
        rows = s.execute(
            select(BlobChunk.at, func.length(BlobChunk.data)).where(
                BlobChunk.content_id == upload_id
            )
        )
        return _merge([(int(at), int(at) + int(n)) for at, n in rows])

    def ranges(self, upload_id: str, owner: bytes) -> list[tuple[int, int]]:
        """The stored byte ranges, merged and sorted: resend only what is not in them."""
        with self._read() as s:
            row = self._row(s, upload_id, owner, lock=False)
            if row.sha256 is not None:
                return [(0, row.total_size)]
            return self._stored(s, upload_id)

    def _append(
        self, upload_id: str, owner: bytes, offset: int, data: bytes
    ) -> tuple[int, int, BlobRef | None]:
        """Store a piece at ``offset`` (any order, on any node; resent bytes are acknowledged
        as they are): (prefix stored without a hole, declared size, the blob if the session
        is finished). UploadGapError for a negative offset, UploadSizeError past the declared
        size."""
        if offset < 0:
            raise UploadGapError("negative offset")
        view = memoryview(data)
        with self._tx() as s:
            relax_commit(s)
            row = self._row(s, upload_id, owner)  # locks the session row
            total = row.total_size
            if offset + len(view) > total:
                raise UploadSizeError("piece goes past the declared size")
            if row.sha256 is not None:  # finished: acknowledge the resend
                return total, total, BlobRef(row.sha256, total)
            have = self._stored(s, upload_id)
            added = _missing(have, offset, offset + len(view))
            for start, end in added:
                s.add(
                    BlobChunk(
                        content_id=upload_id,
                        at=start,
                        data=bytes(view[start - offset : end - offset]),
                    )
                )
                have = _merge([*have, (start, end)])
        for start, end in added:  # only bytes now committed: what was hashed is what is stored
            self._hash_on_the_way(upload_id, start, view[start - offset : end - offset])
        return (have[0][1] if have and have[0][0] == 0 else 0), total, None

    def _digest_rows(self, s: Session, upload_id: str, total: int) -> str:
        """The SHA-256 of the whole upload: the running hash, then the pieces it had not seen,
        read one row at a time."""
        with self._hash_lock:
            digest, upto = self._hashes.pop(upload_id, (hashlib.sha256(), 0))
        starts = s.scalars(
            select(BlobChunk.at).where(BlobChunk.content_id == upload_id).order_by(BlobChunk.at)
        ).all()
        for at in starts:
            if upto >= total:
                break
            data = s.scalar(
                select(BlobChunk.data).where(BlobChunk.content_id == upload_id, BlobChunk.at == at)
            )
            if data is not None and at + len(data) > upto:
                digest.update(memoryview(data)[upto - at :])
                upto = at + len(data)
        return digest.hexdigest()

    def finish(self, upload_id: str, owner: bytes, sha256: str | None = None) -> BlobRef:
        """Check that every byte is stored (and the SHA-256, if given); make them a blob.

        As :meth:`vault.uploads.Uploads.finish`: UploadIncompleteError leaves the session to
        resume; BlobIntegrityError discards it; a finished session answers with its blob
        again. The pieces become the blob where they are (it gets its address; nothing is
        copied); if the same bytes are already stored, the pieces are dropped and the stored
        blob is the result.
        """
        with self._tx() as s:
            row = self._row(s, upload_id, owner)
            if row.sha256 is not None:
                return _finished(row.sha256, row.total_size, sha256)
            have = self._stored(s, upload_id)
            stored = have[0][1] if have and have[0][0] == 0 else 0
            if stored != row.total_size:
                raise UploadIncompleteError(f"{row.total_size - stored} bytes missing")
            ref = BlobRef(self._digest_rows(s, upload_id, row.total_size), row.total_size)
            matched = sha256 is None or ref.sha256 == sha256
            taken = s.scalar(select(exists().where(BlobContent.sha256 == ref.sha256)))
            if matched and not taken:
                s.execute(
                    update(BlobContent)
                    .where(BlobContent.id == upload_id)
                    .values(sha256=ref.sha256, size=ref.size)
                )
            else:  # a wrong hash, or the same envelope stored before: drop the pieces
                _drop(s, [upload_id])
            if matched:
                row.sha256 = ref.sha256
            else:
                s.delete(row)
        if not matched:
            raise BlobIntegrityError("the upload does not match its hash")
        return ref

    def expire(self, now: dt.datetime | dt.date | None = None) -> int:
        """Remove upload sessions that have expired by ``now`` and their pieces."""
        day = _as_day(now)
        with self._tx() as s:
            rows = s.execute(select(Upload.id, Upload.sha256).where(Upload.expires_on <= day))
            ids, open_ids = [], []
            for upload_id, finished in rows:
                ids.append(upload_id)
                if finished is None:  # a finished session's pieces are its blob: kept
                    open_ids.append(upload_id)
            if open_ids:
                _drop(s, open_ids)
            if ids:
                s.execute(delete(Upload).where(Upload.id.in_(ids)))
        return len(ids)

    def sweep(self) -> int:
        """Remove blob writes a crash left unfinished (see
        :meth:`vault.dbblobs.DatabaseBlobStore.sweep`; open uploads are kept); the count."""
        return self._blobs.sweep()


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _drop(s: Session, content_ids: list[str]) -> None:
    """Delete blobs still being written (their chunks first), in the caller's transaction."""
    s.execute(delete(BlobChunk).where(BlobChunk.content_id.in_(content_ids)))
    s.execute(delete(BlobContent).where(BlobContent.id.in_(content_ids)))
