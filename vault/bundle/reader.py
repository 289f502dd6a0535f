"""Verify a whole bundle into a private staging directory, then hand out items (BUNDLE.md §3).

The file is read once, front to back after one seek to the trailer: signature first, then the
index hash, then every item against its index line, each item copied into staging as it is
hashed. :func:`verify` returns only when every MUST-reject rule has passed; before that the
caller has nothing. Memory: one copy buffer, one index line, one small item (or an envelope of
at most 64 KiB), and the set of case ids seen; never a larger envelope.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from .errors import (
    BundleFormatError,
    BundleIntegrityError,
    BundleReadError,
    BundleTruncatedError,
    BundleWriteError,
)
from .index import LARGE_KINDS, Entry, parse_line, reload_line
from .layout import (
    FRAME_LEN,
    HEADER_LEN,
    INDEX,
    ITEM,
    MANIFEST,
    MAX_INDEX_LINE,
    MAX_MANIFEST,
    TRAILER_LEN,
    check_header,
    read_frame,
    read_trailer,
)
from .manifest import Manifest

COPY_BLOCK = 1 << 20
SHARED_ENVELOPE = 64 << 10  # export envelopes up to this size share the small items' file


class Checker(Protocol):
    """Item-level rules of one direction (checks.py): called per item in order, then finish."""

    def item(self, entry: Entry, data: bytes | None) -> None:
        """Check one verified item (``data`` only for small items); raise on a violation."""

    def finish(self) -> None:
        """Raise if something the items promised never came (e.g. a reply's envelope)."""


@dataclass(frozen=True)
class Item:
    """One verified item, staged privately until the bundle is closed.

    Small items (case descriptors and records, at most 64 KiB) and an export's envelopes of at
    most 64 KiB share one staging file and come with their data; their ``path`` is None. Other
    envelopes (larger ones, and every outbox ``reply_envelope``) are staged each in its own
    file, ``path``, which a caller may move away (e.g. into a blob store).
    """

    n: int
    kind: str
    case: str
    size: int
    sha256: str
    extra: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    _data: bytes | None = field(default=None, repr=False)

    def open(self) -> BinaryIO:
        """The staged data, for streaming (e.g. into crypto.envelope.unseal_to_path)."""
        if self.path is not None:
            return self.path.open("rb")
        return io.BytesIO(self.read_bytes())

    def read_bytes(self) -> bytes:
        """The whole staged data; use for case descriptors, records and small envelopes."""
        if self.path is not None:
            return self.path.read_bytes()
        if self._data is None:
            raise ValueError("item has no staged data")
        return self._data


class VerifiedBundle:
    """A bundle whose every check passed; items live in a staging dir removed on close."""

    def __init__(self, manifest: Manifest, stage: Path, direction: str, signer: str) -> None:
        self.manifest = manifest
        self.direction = direction
        self.signer = signer  # "server" for exports, the reviewer id for outboxes
        self._stage = stage

    def items(self) -> Iterator[Item]:
        """Every item in bundle order (re-read from the verified, staged index)."""
        with (self._stage / "index").open("rb") as idx, (self._stage / "small").open("rb") as sm:
            for _ in range(self.manifest.count):
                # our private copy, every line checked by verify(): decoded, not re-checked
                e = reload_line(idx.readline(MAX_INDEX_LINE + 1))
                head = (e.n, e.kind, e.case, e.size, e.sha256, e.extra)
                if not _shared(e):
                    yield Item(*head, path=self._stage / str(e.n))
                else:  # at most 64 KiB, read from the shared staging file in order
                    yield Item(*head, _data=sm.read(e.size))

    def close(self) -> None:
        """Remove the staging directory (items not moved away are gone after this)."""
        shutil.rmtree(self._stage, ignore_errors=True)

    def __enter__(self) -> VerifiedBundle:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def verify(
    path: Path | str,
    direction: str,
    check_manifest: Callable[[bytes], tuple[Manifest, str]],
    make_checker: Callable[[Manifest], Checker],
    staging_dir: Path | str | None = None,
) -> VerifiedBundle:
    """Run every check of BUNDLE.md §3 on ``path``; return the staged, verified bundle."""
    try:
        src = Path(path).open("rb")  # noqa: SIM115
    except OSError as exc:
        raise BundleReadError(f"cannot open the bundle: {exc.strerror}") from exc
    try:
        stage = Path(tempfile.mkdtemp(prefix="bisik-stage-", dir=staging_dir))
    except OSError as exc:
        src.close()
        raise BundleWriteError(f"cannot create a staging directory: {exc.strerror}") from exc
    try:
        with src:
            manifest, signer = _verify_into(src, direction, check_manifest, make_checker, stage)
        return VerifiedBundle(manifest, stage, direction, signer)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def _verify_into(
    src: BinaryIO,
    direction: str,
    check_manifest: Callable[[bytes], tuple[Manifest, str]],
    make_checker: Callable[[Manifest], Checker],
    stage: Path,
) -> tuple[Manifest, str]:
    real_length = os.fstat(src.fileno()).st_size
    check_header(src.read(HEADER_LEN), direction)
    index_off, manifest_off = read_trailer(src, real_length)
    manifest, signer = _read_manifest(src, manifest_off, real_length, check_manifest)
    _stage_index(src, index_off, manifest_off, manifest, stage / "index")
    checker = make_checker(manifest)
    src.seek(HEADER_LEN)
    with (stage / "index").open("rb") as idx, _staging(stage / "small") as small:
        for n in range(manifest.count):
            entry = parse_line(idx.readline(MAX_INDEX_LINE + 1), n, direction)
            data = _stage_item(src, entry, index_off, stage, small)
            checker.item(entry, data)
        if idx.read(1):
            raise BundleFormatError("index has more lines than the manifest's count")
    if src.tell() != index_off:
        raise BundleIntegrityError("extra bytes after the last item (an item was added)")
    checker.finish()
    return manifest, signer


def _read_manifest(
    src: BinaryIO,
    offset: int,
    real_length: int,
    check_manifest: Callable[[bytes], tuple[Manifest, str]],
) -> tuple[Manifest, str]:
    """MUST-reject 4–8: the manifest frame ends at the trailer; its signature verifies."""
    src.seek(offset)
    number, length = read_frame(src, MANIFEST, "manifest")
    if number != 0:
        raise BundleFormatError("manifest frame number is not 0")
    if length > MAX_MANIFEST or offset + FRAME_LEN + length != real_length - TRAILER_LEN:
        raise BundleFormatError("manifest frame does not end at the trailer")
    return check_manifest(src.read(length))


def _stage_index(src: BinaryIO, offset: int, end: int, manifest: Manifest, dest: Path) -> None:
    """MUST-reject 9: index frame placement, count, length and hash match the manifest."""
    src.seek(offset)
    count, length = read_frame(src, INDEX, "index")
    if offset + FRAME_LEN + length != end:
        raise BundleFormatError("index frame does not end at the manifest")
    if count != manifest.count or length != manifest.index_length:
        raise BundleIntegrityError("index count or length differs from the signed manifest")
    with _staging(dest) as out:
        digest = _copy_hash(src, length, out)
    if digest != manifest.index_sha256:
        raise BundleIntegrityError("index differs from the signed manifest")


def _stage_item(
    src: BinaryIO, entry: Entry, index_off: int, stage: Path, small: BinaryIO
) -> bytes | None:
    """MUST-reject 11–13 for one item; returns the data of small items for the checker."""
    if src.tell() + FRAME_LEN > index_off:
        raise BundleIntegrityError(f"item {entry.n} is missing")
    number, length = read_frame(src, ITEM, f"item {entry.n}")
    if number != entry.n:
        raise BundleIntegrityError(f"item {entry.n}: found item {number} here (reordered)")
    if length != entry.size or src.tell() + length > index_off:
        raise BundleIntegrityError(f"item {entry.n}: length differs from the index")
    if not _shared(entry):
        with _staging(stage / str(entry.n)) as out:
            digest = _copy_hash(src, length, out)
        data = None
    else:  # at most 64 KiB: checked in memory, appended to the shared file
        data = src.read(length)
        if len(data) != length:
            raise BundleTruncatedError("bundle ends inside an item")
        digest = hashlib.sha256(data).hexdigest()
        _write(small, data)
    if digest != entry.sha256:
        raise BundleIntegrityError(f"item {entry.n}: contents differ from the index (corrupted)")
    return None if entry.kind in LARGE_KINDS else data


def _shared(entry: Entry) -> bool:
    """Whether the item is staged in the shared file: every small item (at most 64 KiB by the
    index rule), and an export's envelopes no larger (reports and messages, which the
    reviewer reads whole to decrypt: a file each cost more than the decryption). An outbox's
    reply envelopes always get a file each: the server moves them into its blob store."""
    if entry.kind not in LARGE_KINDS:
        return True
    return entry.kind == "envelope" and entry.size <= SHARED_ENVELOPE


@contextlib.contextmanager
def _staging(path: Path) -> Iterator[BinaryIO]:
    """A new staging file; OSError (full disk) becomes BundleWriteError."""
    try:
        with path.open("wb") as out:
            yield out
    except OSError as exc:
        raise BundleWriteError(f"cannot stage the bundle: {exc.strerror}") from exc


def _write(out: BinaryIO, data: bytes) -> None:
    try:
        out.write(data)
    except OSError as exc:
        raise BundleWriteError(f"cannot stage the bundle: {exc.strerror}") from exc


def _copy_hash(src: BinaryIO, length: int, out: BinaryIO) -> str:
    digest = hashlib.sha256()
    left = length
    while left:
        block = src.read(min(COPY_BLOCK, left))
        if not block:
            raise BundleTruncatedError("bundle ends inside an item")
        digest.update(block)
        _write(out, block)
        left -= len(block)
    return digest.hexdigest()
