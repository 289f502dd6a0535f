"""Export bundles on the laptop (vault/BUNDLE.md §3): ``read_export`` then every item.

Documented refusal: BundleError (each MUST-reject rule has a subclass). See fuzz/bundles.py
for the raw and the re-signed modes.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from pathlib import Path

from crypto import envelope, followup, records
from fuzz.bundles import read, unbuild
from fuzz.common import REVIEWERS, SERVER, directory, ed_key, refusing
from vault.bundle import BundleError, ExportWriter, read_export
from vault.bundle.layout import EXPORT
from vault.bundle.manifest import Manifest, server_id


def _manifest(count: int, index_sha256: str, index_length: int) -> Manifest:
    return Manifest(
        EXPORT,
        "ab" * 16,
        "2026-11-29",
        server_id(SERVER.public_key()),
        count,
        index_sha256,
        index_length,
        seq_from=0,
        seq_to=1 << 40,
    )


def check(data: bytes) -> None:
    with refusing(BundleError):
        read(
            data, EXPORT, lambda p, s: read_export(p, directory(), staging_dir=s), _manifest, SERVER
        )


def seeds() -> list[bytes]:
    keys = [kp.encryption.public_key() for kp in REVIEWERS.values()]
    report, message = envelope.seal(b"laporan", keys), envelope.seal(b"pesan", keys)
    msg_sha = hashlib.sha256(message).hexdigest()
    status = records.status(
        REVIEWERS["ani"].signing, "case01", "in_review", at="2026-11-20T08:30:00+00:00"
    )
    proof = followup.sign(ed_key("reporter"), "case01", "message", msg_sha, [])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.bisik"
        with ExportWriter(path, SERVER, seq_from=0, today="2026-11-29") as w:
            w.add_case("case01", "2026-11-20", ["ani", "budi"], "A" * 43)
            for seq, (type_, env) in enumerate((("report", report), ("message", message)), 1):
                w.add_envelope(
                    "case01", type_, seq, io.BytesIO(env), len(env), hashlib.sha256(env).hexdigest()
                )
            w.add_record("followup", "case01", 2, proof)
            w.add_record("status", "case01", 3, status)
            w.finish(3)
        whole = path.read_bytes()
    return [b"\x01" + whole, b"\x00" + unbuild(whole)]
