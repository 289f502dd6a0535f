"""The local case store: sealed case records in append-only pack files, plus one sealed index.

Layout under ``store/``::

    index.bin           sealed JSON: {"v": 1, "cases": {case id: summary}, "meta": {...}}
    packs/<random>      sealed case records written by one transaction, back to back
    blobs/<sha256>      evidence envelopes exactly as received (still sealed to the reviewers)
    lock                held (flock) by the one command that has the store open

Each case version is sealed on its own (AES-GCM, additional data = its keyed name), and the
index entry says where it lies: ``"b": [pack, offset, length, name]``. Why packs: an import
of 10,000 cases writes one file instead of 10,000 (file creation, not cryptography, is what
costs on a laptop disk), and ``list`` decrypts and parses only the index (one AES-GCM open and
one JSON parse, about 30 ms for 10,000 cases).

Every change is a transaction: new records go to a new pack, the pack and any new evidence
files are fsynced, then the index is replaced atomically. A crash or an error before that
rename leaves the old index pointing at the old packs, so the store is exactly as it was;
packs no longer referenced are deleted after the switch, and packs that are mostly dead are
compacted into the new pack (sealed records are copied byte for byte: no re-encryption).

Leaks to someone holding the disk: the number of cases and versions and their sizes, the
evidence envelopes' SHA-256 (the server knows them too), and times of change.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from crypto.fsutil import atomic_open, fsync_dir, write_atomic

from ..case import Case
from ..errors import CaseNotFound, StoreError
from .sealing import StoreKeys

FORMAT_VERSION = 1
_HEX = frozenset("0123456789abcdef")


class _HashMismatch(Exception):
    """Raised inside :func:`crypto.fsutil.atomic_open` to drop a copy whose hash is wrong."""


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class CaseStore:
    """An open, locked store. Use :meth:`open` as a context manager; one per command."""

    def __init__(self, root: Path, store_key: bytes | None) -> None:
        self.root = root
        self._keys = StoreKeys(store_key) if store_key is not None else None
        self._lock_fd: int | None = None
        self.index: dict[str, Any] = {"v": FORMAT_VERSION, "cases": {}, "meta": {}}
        self._parsed: dict[tuple[Any, ...], Case] = {}

    @classmethod
    @contextlib.contextmanager
    def open(
        cls, root: Path, store_key: bytes | Callable[[], bytes], *, holder: str = "command"
    ) -> Iterator[CaseStore]:
        """Lock and load the store (creating it empty if absent); StoreError if damaged, or if
        another process holds it (saying whether that is a ``shell``: ``holder`` is written
        into the lock file for the length of the lock, with the process id, nothing else).

        ``store_key`` may be a function that returns the key: it is called once the lock is
        held (a command that must unlock the key file takes the lock first, so a store held
        by another process is reported before seconds of Argon2id, and work that must run
        under the lock can run while the key is derived)."""
        store = cls(root, None if callable(store_key) else store_key)
        store._lock(holder)
        try:
            if callable(store_key):
                store._keys = StoreKeys(store_key())
            store._load()
            yield store
        finally:
            store._parsed.clear()  # decrypted cases live no longer than the open store
            store._unlock()

    @property
    def keys(self) -> StoreKeys:
        """The store's sealing keys (known once the store is loaded)."""
        if self._keys is None:
            raise RuntimeError("the store is not open")  # open() sets them before any use
        return self._keys

    def _lock(self, holder: str) -> None:
        for sub in ("", "packs", "blobs"):
            (self.root / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.root / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            held_by = os.pread(fd, 64, 0).decode("ascii", "replace").split()
            os.close(fd)
            if held_by[:1] == ["shell"]:
                raise StoreError(
                    "err.store_locked_shell", pid=held_by[1] if len(held_by) > 1 else "?"
                ) from exc
            raise StoreError("err.store_locked") from exc
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{holder} {os.getpid()}\n".encode("ascii"), 0)
        self._lock_fd = fd

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            os.ftruncate(self._lock_fd, 0)  # nobody holds it once it is released
            os.close(self._lock_fd)  # closing releases the flock
            self._lock_fd = None

    def _load(self) -> None:
        path = self.root / "index.bin"
        if not path.exists():
            return
        index = json.loads(self.keys.open_index(path.read_bytes()))
        if not isinstance(index, dict) or index.get("v") != FORMAT_VERSION:
            raise StoreError("err.store_version")
        self.index = index

    # -- reading ---------------------------------------------------------------------------
    @property
    def cases(self) -> dict[str, dict[str, Any]]:
        """Case id → index summary (status, category, dates...); do not mutate."""
        cases: dict[str, dict[str, Any]] = self.index["cases"]
        return cases

    @property
    def meta(self) -> dict[str, Any]:
        """Store-wide values (records pending at the server, imported bundles, the ack cursor)."""
        meta: dict[str, Any] = self.index["meta"]
        return meta

    def resolve(self, prefix: str) -> str:
        """The case id equal to, or uniquely starting with, ``prefix``; else CaseNotFound."""
        if prefix in self.cases:
            return prefix
        hits = [c for c in self.cases if c.startswith(prefix)] if len(prefix) >= 4 else []
        if len(hits) != 1:
            raise CaseNotFound(case=prefix)
        return hits[0]

    def load_case(self, case_id: str) -> dict[str, Any]:
        """Decrypt the current version of a case."""
        pack, offset, length, name = self.cases[self.resolve(case_id)]["b"]
        try:
            with (self.root / "packs" / pack).open("rb") as f:
                f.seek(offset)
                blob = f.read(length)
        except (OSError, ValueError) as exc:
            raise StoreError("err.store_damaged") from exc
        case: dict[str, Any] = json.loads(self.keys.open_case(name, blob))
        return case

    def case(self, case_id: str) -> Case:
        """The typed case (:class:`reviewer.case.Case`) for an id or unique prefix.

        Each stored version is decrypted and parsed once per open store: the parsed case is
        kept, keyed by where that version lies, so a later version (after a transaction) is
        parsed afresh. FormatError if the stored record is not a case record.
        """
        where = tuple(self.cases[self.resolve(case_id)]["b"])
        if where not in self._parsed:
            self._parsed[where] = Case.from_store(self.load_case(case_id))
        return self._parsed[where]

    def blob_path(self, sha256: str) -> Path | None:
        """Path of a stored evidence envelope (ciphertext), or None if it never arrived."""
        if len(sha256) != 64 or not set(sha256) <= _HEX:
            return None
        path = self.root / "blobs" / sha256
        return path if path.exists() else None

    def transaction(self) -> Transaction:
        """A new :class:`Transaction`: changes are written only when it commits."""
        return Transaction(self)


class Transaction:
    """All-or-nothing changes to a store: ``with store.transaction() as tx: tx.put_case(...)``."""

    # compact packs whose live records fill less than this share of the file
    COMPACT_BELOW = 0.5

    def __init__(self, store: CaseStore) -> None:
        self.store = store
        self.cases: dict[str, dict[str, Any]] = dict(store.cases)
        self.meta: dict[str, Any] = json.loads(json.dumps(store.meta))
        self._new_files: list[Path] = []
        self._pack_name = secrets.token_hex(12)
        self._pack: BinaryIO | None = None
        self._pack_pos = 0

    def __enter__(self) -> Transaction:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.rollback()

    def _append(self, blob: bytes) -> int:
        if self._pack is None:
            path = self.store.root / "packs" / self._pack_name
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            self._new_files.append(path)
            self._pack = os.fdopen(fd, "wb", buffering=1 << 20)
        offset = self._pack_pos
        self._pack.write(blob)
        self._pack_pos += len(blob)
        return offset

    def put_case(self, case_id: str, case: dict[str, Any], summary: dict[str, Any]) -> None:
        """Write a new version of a case (not visible until commit)."""
        name = self.store.keys.blob_name(case_id, secrets.token_hex(16))
        data = json.dumps(case, ensure_ascii=False, separators=(",", ":")).encode()
        blob = self.store.keys.seal_case(name, data)
        offset = self._append(blob)
        self.cases[case_id] = {**summary, "b": [self._pack_name, offset, len(blob), name]}

    def put_blob(self, sha256: str, src: BinaryIO) -> bool:
        """Copy an evidence envelope in, checking its SHA-256 while copying.

        Returns False (and keeps nothing) if the bytes do not hash to ``sha256``.
        """
        final = self.store.root / "blobs" / sha256
        if final.exists():
            return True
        digest = hashlib.sha256()
        try:  # a read error or a wrong hash leaves no temporary file behind
            with atomic_open(final, sync=False) as out:  # fsynced with the index at commit
                while block := src.read(1 << 20):
                    digest.update(block)
                    out.write(block)
                if digest.hexdigest() != sha256:
                    raise _HashMismatch
        except _HashMismatch:
            return False
        self._new_files.append(final)
        return True

    def link_blob(self, sha256: str, path: Path) -> bool:
        """Take in a file already verified against ``sha256`` (a staged bundle item).

        On the same file system this is a hard link: a 10 GiB evidence file costs no copy and
        no second hash. Elsewhere it falls back to :meth:`put_blob` (copy and re-hash).
        """
        final = self.store.root / "blobs" / sha256
        if final.exists():
            return True
        try:
            os.link(path, final)
        except OSError:
            with path.open("rb") as src:
                return self.put_blob(sha256, src)
        self._new_files.append(final)
        return True

    def _compact(self) -> None:
        """Copy the live records of mostly-dead packs into this transaction's pack."""
        packs = self.store.root / "packs"
        live: dict[str, int] = {}
        for entry in self.cases.values():
            live[entry["b"][0]] = live.get(entry["b"][0], 0) + entry["b"][2]
        sparse = set()
        for name, used in live.items():
            if name == self._pack_name:
                continue
            size = (packs / name).stat().st_size
            if size > 64 << 10 and used < size * self.COMPACT_BELOW:
                sparse.add(name)
        for case_id, entry in list(self.cases.items()):
            pack, offset, length, name = entry["b"]
            if pack in sparse:
                with (packs / pack).open("rb") as f:
                    f.seek(offset)
                    new_offset = self._append(f.read(length))
                self.cases[case_id] = {**entry, "b": [self._pack_name, new_offset, length, name]}

    def commit(self) -> None:
        """Sync the new files, then atomically switch the index; then drop dead packs."""
        store = self.store
        self._compact()
        if self._pack is not None:
            self._pack.flush()
            os.fsync(self._pack.fileno())
            self._pack.close()
            self._pack = None
        index = {"v": FORMAT_VERSION, "cases": self.cases, "meta": self.meta}
        sealed = store.keys.seal_index(json.dumps(index, separators=(",", ":")).encode())
        # Only our own new files are made durable before the index names them: one pack plus
        # the new evidence blobs (a file-system-wide sync would also wait for other programs).
        for path in self._new_files:
            if path.parent.name == "blobs":
                _fsync_file(path)
        fsync_dir(store.root / "packs")
        fsync_dir(store.root / "blobs")
        write_atomic(store.root / "index.bin", sealed)
        store.index = index
        referenced = {entry["b"][0] for entry in self.cases.values()}
        for pack in (store.root / "packs").iterdir():
            if pack.name not in referenced:
                pack.unlink(missing_ok=True)
        fsync_dir(store.root / "packs")

    def rollback(self) -> None:
        """Remove every file this transaction wrote; the index was never touched."""
        if self._pack is not None:
            with contextlib.suppress(OSError):
                self._pack.close()
            self._pack = None
        for path in self._new_files:
            path.unlink(missing_ok=True)
