"""Streaming, atomic bundle writing (BUNDLE.md §2, §5).

:class:`BundleWriter` is the shared framing: items are streamed into a temporary file beside
the destination while being hashed, the index is spooled aside (to disk once it is large),
and :meth:`BundleWriter.finish` appends index, signed manifest and trailer, fsyncs and renames.
Memory stays at one copy buffer plus a bounded index spool, whatever the bundle size. On any
error, including a full disk, the temporary file is removed and BundleWriteError is raised, so
a file under the final name is always complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from crypto.fsutil import fsync_dir

from .errors import BundleError, BundleIntegrityError, BundleWriteError
from .index import Entry, check
from .layout import (
    INDEX,
    ITEM,
    MANIFEST,
    MAX_COUNT,
    MAX_MANIFEST,
    TRAILER_LEN,
    pack_frame,
    pack_header,
    pack_trailer,
)

COPY_BLOCK = 1 << 20
INDEX_SPOOL = 8 << 20

# sign(count, index_sha256, index_length) -> signed manifest bytes
Signer = Callable[[int, str, int], bytes]


class BundleWriter:
    """Write one bundle of ``direction`` to ``path`` (atomically, on :meth:`finish`)."""

    def __init__(self, path: Path | str, direction: str) -> None:
        self.path = Path(path)
        self.direction = direction
        self._pos = 0
        self._count = 0
        self._index_hash = hashlib.sha256()
        self._index_len = 0
        self._done = False
        with _write_errors("cannot create the bundle file"):
            fd, tmp = tempfile.mkstemp(prefix=".bisik-bundle-", dir=self.path.parent)
        self._tmp = Path(tmp)
        self._out: BinaryIO = os.fdopen(fd, "wb", buffering=COPY_BLOCK)
        # spooled in memory up to 8 MiB, then to a file beside the bundle (same disk)
        self._index: Any = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=INDEX_SPOOL, dir=str(self.path.parent)
        )
        self._write(pack_header(direction))

    @property
    def count(self) -> int:
        """Items written so far."""
        return self._count

    @property
    def size(self) -> int:
        """Bytes written so far."""
        return self._pos

    def _write(self, data: bytes | memoryview) -> None:
        try:
            self._out.write(data)
        except OSError as exc:
            self.abort()
            raise BundleWriteError(f"cannot write the bundle: {exc.strerror}") from exc
        self._pos += len(data)

    def _add_entry(self, entry: Entry) -> Entry:
        line = check(entry, self.direction).to_line()
        with _write_errors("cannot write the bundle index"):
            self._index.write(line)
        self._index_hash.update(line)
        self._index_len += len(line)
        self._count += 1
        return entry

    def add_bytes(self, kind: str, case: str, data: bytes, **extra: Any) -> Entry:
        """Append one small item held in memory."""
        if self._count >= MAX_COUNT:
            raise BundleWriteError("too many items for one bundle")
        entry = Entry(self._count, kind, case, len(data), hashlib.sha256(data).hexdigest(), extra)
        check(entry, self.direction)
        self._write(pack_frame(ITEM, self._count, len(data)))
        self._write(data)
        return self._add_entry(entry)

    def add_stream(
        self, kind: str, case: str, src: BinaryIO, size: int, sha256: str | None, **extra: Any
    ) -> Entry:
        """Append ``size`` bytes read from ``src``, hashing them on the way.

        If ``sha256`` is given (a content-addressed blob) and the bytes do not match, the
        source is corrupt: the bundle is abandoned with BundleIntegrityError rather than
        shipping an item every reader would reject.
        """
        if self._count >= MAX_COUNT:
            raise BundleWriteError("too many items for one bundle")
        self._write(pack_frame(ITEM, self._count, size))
        digest, left = hashlib.sha256(), size
        while left:
            block = src.read(min(COPY_BLOCK, left))
            if not block:
                break
            digest.update(block)
            self._write(block)
            left -= len(block)
        got = digest.hexdigest()
        if left or (sha256 is not None and got != sha256):
            self.abort()
            raise BundleIntegrityError(f"source of item {self._count} changed or is corrupt")
        return self._add_entry(Entry(self._count, kind, case, size, got, extra))

    def finish(self, sign: Signer) -> Path:
        """Append index, signed manifest and trailer; fsync; rename into place."""
        try:
            index_offset = self._pos
            self._write(pack_frame(INDEX, self._count, self._index_len))
            self._index.seek(0)
            while block := self._index.read(COPY_BLOCK):
                self._write(block)
            manifest = sign(self._count, self._index_hash.hexdigest(), self._index_len)
            if len(manifest) > MAX_MANIFEST:
                raise BundleWriteError("manifest too large")
            manifest_offset = self._pos
            self._write(pack_frame(MANIFEST, 0, len(manifest)) + manifest)
            self._write(pack_trailer(index_offset, manifest_offset, self._pos + TRAILER_LEN))
            with _write_errors("cannot finish the bundle file"):
                self._out.flush()
                os.fsync(self._out.fileno())
                self._out.close()
                os.replace(self._tmp, self.path)
                fsync_dir(self.path.parent)
        except BaseException:
            self.abort()
            raise
        self._done = True
        self._index.close()
        return self.path

    def abort(self) -> None:
        """Drop everything written; the destination is left as it was."""
        if self._done:
            return
        self._done = True
        with contextlib.suppress(OSError):
            self._out.close()
        with contextlib.suppress(OSError):
            self._index.close()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> BundleWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._done:
            self.abort()


@contextlib.contextmanager
def _write_errors(what: str) -> Any:
    try:
        yield
    except BundleError:
        raise
    except OSError as exc:
        raise BundleWriteError(f"{what}: {exc.strerror}") from exc
