"""Item rules (vault.bundle.checks): case descriptors and records of revoked signers."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from crypto import envelope, signed
from crypto.encoding import b64u_encode
from vault.bundle import BundleFormatError, ExportWriter, read_export, record_of
from vault.bundle.checks import parse_case_descriptor

from ..helpers import make_org, reply_keypair, revoke

HEX = "cd" * 32


def test_deeply_nested_case_descriptor_is_a_format_error() -> None:
    """Audit regression (docs/AUDIT-reviewer.md): "[[[…" was a RecursionError, not a refusal."""
    with pytest.raises(BundleFormatError):
        parse_case_descriptor(b"[" * 60_000, "case-1")


def test_revoked_signer_malformed_record_is_rejected(tmp_path: Path) -> None:
    """Audit regression (docs/AUDIT-reviewer.md).

    Bug: a revoked key's record was checked by signature only; a zoneless ``at`` passed
    the reader and crashed the laptop's import when the history was sorted."""
    org = make_org()
    gone = revoke(org, "rev_b")
    good, bad = tmp_path / "good.bisik", tmp_path / "bad.bisik"
    _export_with_record(good, org, _status(org, "2026-11-28T10:00:00+00:00"))
    _export_with_record(bad, org, _status(org, "2026-11-28T10:00:00"))
    with read_export(good, gone.directory) as export:  # history of a revoked key: accepted
        rec = next(i for i in export.items() if i.kind == "status")
        assert record_of(rec, gone.directory)[2] is False
    with pytest.raises(BundleFormatError):
        read_export(bad, gone.directory)


def _export_with_record(path: Path, org, record: bytes) -> None:  # type: ignore[no-untyped-def]
    _priv, pub = reply_keypair()
    rep = envelope.seal(b"laporan", [kp.public.encryption for kp in org.reviewers.values()])
    with ExportWriter(path, org.server, seq_from=0) as w:
        w.add_case("case-1", "2026-11-28", sorted(org.reviewers), b64u_encode(pub))
        w.add_envelope(
            "case-1", "report", 1, io.BytesIO(rep), len(rep), hashlib.sha256(rep).hexdigest()
        )
        w.add_record("status", "case-1", 2, record)
        w.finish(2)


def _status(org, at: str) -> bytes:  # type: ignore[no-untyped-def]
    body = {
        "v": 1,
        "case": "case-1",
        "state": "in_review",
        "authority": None,
        "at": at,
        "id": "1" * 32,
    }
    return signed.sign(org.signer("rev_b"), "status", body).to_bytes()
