"""Outbox bundles, reviewer laptop → server: writer (pure, for bisik-reviewer) and reader.

The writer checks what it is given against the reviewer's own key before writing (a record
signed by someone else, a reply whose envelope hash does not match), and signs the manifest
with the reviewer key, naming the server it is for and the export sequence acknowledged.
The reader is the verification half of the server's import (vault.transfer.import_outbox).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
from pathlib import Path
from types import TracebackType

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from crypto import records
from crypto.directory import Directory
from crypto.errors import SignatureError
from crypto.keys import key_id

from . import manifest as _manifest
from .checks import OutboxChecker
from .errors import BundleSignatureError
from .layout import OUTBOX
from .manifest import Manifest, SignedWriter
from .reader import VerifiedBundle, verify
from .writer import BundleWriter


class OutboxWriter(SignedWriter):
    """Write one outbox to ``path`` for the server named in ``directory``.

    Use as a context manager: a clean exit signs and renames the file into place; an
    exception leaves nothing behind.
    """

    def __init__(
        self,
        path: Path | str,
        key: Ed25519PrivateKey,
        directory: Directory,
        *,
        ack: int,
        today: str | None = None,
        _bundle_id: str | None = None,
    ) -> None:
        """``today`` and ``_bundle_id`` are the clock and randomness seams for test vectors."""
        if directory.server_key is None:
            raise BundleSignatureError("the directory names no server key to address")
        try:
            self._reviewer = directory.reviewer_by_signer(key_id(key.public_key()).hex())
        except SignatureError as exc:
            raise BundleSignatureError("this key is not an active reviewer's") from exc
        self._dir = directory
        self._key = key
        self._ack = ack
        self._server = _manifest.server_id(directory.server_key)
        self._today = today or dt.datetime.now(dt.UTC).date().isoformat()
        self._bundle_id = _bundle_id or secrets.token_hex(16)
        self._w = BundleWriter(path, OUTBOX)
        self.manifest: Manifest | None = None

    def _own(self, record: bytes, kind: str) -> str:
        body, reviewer = records.verify(record, self._dir, kind)
        if reviewer.id != self._reviewer.id:
            raise BundleSignatureError("an outbox carries only its own reviewer's records")
        return str(body["case"])

    def add_status(self, record: bytes) -> None:
        """A signed status record (crypto.records.status)."""
        self._w.add_bytes("status", self._own(record, "status"), record)

    def add_track(self, record: bytes) -> None:
        """A signed tracking step (crypto.tracking.step, SPEC §16)."""
        self._w.add_bytes("track", self._own(record, "track"), record)

    def add_link(self, record: bytes) -> None:
        """A signed link record (crypto.links, SPEC §15), filed under the new case."""
        self._w.add_bytes("link", self._own(record, "link"), record)

    def add_reply(self, record: bytes, envelope: bytes) -> None:
        """A signed reply record and the reply envelope it names."""
        case = self._own(record, "reply")
        sha = hashlib.sha256(envelope).hexdigest()
        self._w.add_bytes("reply", case, record, envelope_sha256=sha)
        body = records.verify(record, self._dir, "reply")[0]
        if body["envelope_sha256"] != sha:
            self._w.abort()
            raise ValueError("the reply record names another envelope")
        self._w.add_stream("reply_envelope", case, io.BytesIO(envelope), len(envelope), sha)

    def close(self) -> Manifest:
        """Sign and rename into place."""

        return self._sign_and_finish(
            lambda count, index_sha256, index_length: Manifest(
                OUTBOX,
                self._bundle_id,
                self._today,
                self._server,
                count,
                index_sha256,
                index_length,
                reviewer=self._reviewer.id,
                ack=self._ack,
            )
        )

    def __enter__(self) -> OutboxWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None and self.manifest is None:
            self.close()
        elif self.manifest is None:
            self.abort()


def read_outbox(
    path: Path | str,
    directory: Directory,
    server_key: Ed25519PublicKey,
    *,
    staging_dir: Path | str | None = None,
) -> VerifiedBundle:
    """Verify an outbox addressed to ``server_key`` against ``directory``; stage its items.

    ``VerifiedBundle.signer`` is the reviewer id. Raises a BundleError subclass on any
    MUST-reject rule (BUNDLE.md §3).
    """

    def check_manifest(raw: bytes) -> tuple[Manifest, str]:
        m, reviewer = _manifest.verify_outbox(raw, directory, server_key)
        return m, reviewer.id

    return verify(path, OUTBOX, check_manifest, lambda m: OutboxChecker(m, directory), staging_dir)
