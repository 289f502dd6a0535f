"""Outbox bundles on the server (vault/BUNDLE.md §3): ``read_outbox`` then every item.

Documented refusal: BundleError. See fuzz/bundles.py for the raw and the re-signed modes.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from crypto import envelope, records
from fuzz.bundles import read, unbuild
from fuzz.common import REVIEWERS, SERVER, directory, refusing, x_key
from vault.bundle import BundleError, OutboxWriter, read_outbox
from vault.bundle.layout import OUTBOX
from vault.bundle.manifest import Manifest, server_id

ANI = REVIEWERS["ani"].signing


def _manifest(count: int, index_sha256: str, index_length: int) -> Manifest:
    return Manifest(
        OUTBOX,
        "cd" * 16,
        "2026-11-29",
        server_id(SERVER.public_key()),
        count,
        index_sha256,
        index_length,
        reviewer="ani",
        ack=7,
    )


def check(data: bytes) -> None:
    with refusing(BundleError):
        read(
            data,
            OUTBOX,
            lambda p, s: read_outbox(p, directory(), SERVER.public_key(), staging_dir=s),
            _manifest,
            ANI,
        )


def seeds() -> list[bytes]:
    env = envelope.seal(b"Terima kasih.", [x_key("reporter reply").public_key()])
    sha = hashlib.sha256(env).hexdigest()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "outbox.bisik"
        with OutboxWriter(path, ANI, directory(), ack=7) as out:
            out.add_status(
                records.status(ANI, "case01", "in_review", at="2026-11-20T08:30:00+00:00")
            )
            out.add_reply(records.reply(ANI, "case01", sha, at="2026-11-20T08:31:00+00:00"), env)
        whole = path.read_bytes()
    return [b"\x01" + whole, b"\x00" + unbuild(whole)]
