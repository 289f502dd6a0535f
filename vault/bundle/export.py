"""Export bundles, server → reviewer laptops: writer (used by vault.transfer) and reader.

The writer enforces the order rules of BUNDLE.md §2.1 as it goes (a case descriptor before the
case's items, strictly increasing sequence numbers), so a server bug shows up at export time
rather than as a bundle every laptop rejects. The reader is what ``bisik-reviewer import`` calls.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto.directory import Directory, Reviewer

from . import manifest as _manifest
from .checks import ExportChecker, case_descriptor, verify_history_record
from .layout import EXPORT
from .manifest import Manifest, SignedWriter
from .reader import Item, VerifiedBundle, verify
from .writer import BundleWriter


def _today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


class ExportWriter(SignedWriter):
    """Stream one export bundle to ``path``; :meth:`finish` signs it with the server key."""

    def __init__(
        self,
        path: Path | str,
        server_key: Ed25519PrivateKey,
        *,
        seq_from: int,
        today: str | None = None,
        _bundle_id: str | None = None,
    ) -> None:
        """``today`` and ``_bundle_id`` are the clock and randomness seams for test vectors."""
        self._key = server_key
        self._seq_from = seq_from
        self._last_seq = seq_from
        self._last_case = ""
        self._today = today or _today()
        self._bundle_id = _bundle_id or secrets.token_hex(16)
        self._cases: set[str] = set()
        self._w = BundleWriter(path, EXPORT)
        self.manifest: Manifest | None = None

    @property
    def size(self) -> int:
        """Bytes written so far."""
        return self._w.size

    @property
    def count(self) -> int:
        """Items written so far."""
        return self._w.count

    @property
    def cases(self) -> int:
        """Case descriptors written so far."""
        return len(self._cases)

    def has_case(self, case: str) -> bool:
        """Whether ``case``'s descriptor is already in this bundle."""
        return case in self._cases

    def add_case(self, case: str, received: str, recipients: list[str], reply_key: str) -> None:
        """The case descriptor; must come before any other item of ``case``."""
        if case in self._cases:
            raise ValueError("case descriptor written twice")
        self._w.add_bytes("case", case, case_descriptor(case, received, recipients, reply_key))
        self._cases.add(case)

    def _seq(self, case: str, seq: int) -> None:
        ordered = seq > self._last_seq or (seq == self._last_seq and case == self._last_case)
        if case not in self._cases or not ordered:
            raise ValueError("export items must follow their case descriptor, in sequence order")
        self._last_seq, self._last_case = seq, case

    def add_envelope(
        self, case: str, type_: str, seq: int, src: BinaryIO, size: int, sha256: str
    ) -> None:
        """Stream a stored envelope (a content-addressed blob) into the bundle."""
        self._seq(case, seq)
        self._w.add_stream("envelope", case, src, size, sha256, type=type_, seq=seq)

    def add_record(self, kind: str, case: str, seq: int, record: bytes) -> None:
        """A signed status, reply or tracking record, exactly as stored."""
        self._seq(case, seq)
        self._w.add_bytes(kind, case, record, seq=seq)

    def finish(self, seq_to: int) -> Manifest:
        """Sign and rename into place; ``seq_to`` is the highest sequence this export covers."""
        if seq_to < self._last_seq:
            raise ValueError("seq_to below the last exported sequence")

        return self._sign_and_finish(
            lambda count, index_sha256, index_length: Manifest(
                EXPORT,
                self._bundle_id,
                self._today,
                _manifest.server_id(self._key.public_key()),
                count,
                index_sha256,
                index_length,
                seq_from=self._seq_from,
                seq_to=seq_to,
            )
        )

    def __enter__(self) -> ExportWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.manifest is None:
            self.abort()


def read_export(
    path: Path | str, directory: Directory, *, staging_dir: Path | str | None = None
) -> VerifiedBundle:
    """Verify an export against ``directory`` (its server key) and stage its items.

    Raises a BundleError subclass on any MUST-reject rule; otherwise returns a
    :class:`VerifiedBundle` (use it as a context manager so staging is removed).
    Leaks nothing: everything read is ciphertext or signed records.
    """

    def check_manifest(raw: bytes) -> tuple[Manifest, str]:
        return _manifest.verify_export(raw, directory), "server"

    return verify(path, EXPORT, check_manifest, lambda m: ExportChecker(m, directory), staging_dir)


def record_of(item: Item, directory: Directory) -> tuple[dict[str, Any], Reviewer, bool]:
    """(body, reviewer, active) of a verified status/reply item of an export."""
    return verify_history_record(item.read_bytes(), item.kind, item.case, directory)
