"""Regression tests for the bundle findings of the reviewer-side audit (docs/AUDIT-reviewer.md).

A laptop must survive a hostile export (a compromised server signs whatever it likes), so
every rejection is a BundleError — never a RecursionError, UnicodeEncodeError or ValueError
escaping from deep inside. Tests assert exception types only.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest

from crypto import envelope, signed
from crypto.encoding import b64u_encode
from vault.bundle import BundleFormatError, ExportWriter, read_export, record_of
from vault.bundle.checks import parse_case_descriptor
from vault.bundle.index import Entry, check, parse_line
from vault.bundle.layout import EXPORT, OUTBOX

from .test_bundle_support import make_org, reply_keypair, revoke

HEX = "cd" * 32


def test_case_id_with_trailing_newline_is_rejected() -> None:
    """Bug: ``^…$`` + ``re.match`` let "case\\n" (and a hash with a final newline) pass."""
    check(Entry(0, "case", "case-1", 1, HEX), EXPORT)  # the good one passes
    with pytest.raises(BundleFormatError):
        check(Entry(0, "case", "case-1\n", 1, HEX), EXPORT)
    with pytest.raises(BundleFormatError):
        check(Entry(0, "status", "case-1", 1, HEX + "\n"), OUTBOX)
    with pytest.raises(BundleFormatError):
        check(Entry(0, "reply", "case-1", 1, HEX, {"envelope_sha256": HEX + "\n"}), OUTBOX)
    line = Entry(0, "case", "case-1\n", 1, HEX).to_line()
    with pytest.raises(BundleFormatError):
        parse_line(line, 0, EXPORT)


def test_deeply_nested_index_line_is_a_format_error() -> None:
    """Bug: a 64 KiB line of "[[[…" raised RecursionError out of the reader."""
    with pytest.raises(BundleFormatError):
        parse_line(b"[" * 60_000 + b"\n", 0, EXPORT)


def test_lone_surrogate_in_index_line_is_a_format_error() -> None:
    """Bug: canonical_json() of a "\\ud800" field raised UnicodeEncodeError out of the reader."""
    obj = {"n": 0, "kind": "case", "case": "\ud800", "size": 1, "sha256": HEX}
    line = json.dumps(obj, sort_keys=True, separators=(",", ":")).encode() + b"\n"
    with pytest.raises(BundleFormatError):
        parse_line(line, 0, EXPORT)


def test_deeply_nested_case_descriptor_is_a_format_error() -> None:
    with pytest.raises(BundleFormatError):
        parse_case_descriptor(b"[" * 60_000, "case-1")


def _export_with_record(path: Path, org, record: bytes) -> None:  # type: ignore[no-untyped-def]
    _priv, pub = reply_keypair()
    rep = envelope.seal(b"laporan", [kp.public.encryption for kp in org.reviewers.values()])
    with ExportWriter(path, org.server, seq_from=0) as w:
        w.add_case("case-1", "2026-11-28", sorted(org.reviewers), b64u_encode(pub))
        w.add_envelope("case-1", "report", 1, io.BytesIO(rep), len(rep),
                       hashlib.sha256(rep).hexdigest())
        w.add_record("status", "case-1", 2, record)
        w.finish(2)


def _status(org, at: str) -> bytes:  # type: ignore[no-untyped-def]
    body = {"v": 1, "case": "case-1", "state": "in_review", "authority": None, "at": at,
            "id": "1" * 32}  # fmt: skip
    return signed.sign(org.signer("rev_b"), "status", body).to_bytes()


def test_revoked_signer_malformed_record_is_rejected(tmp_path: Path) -> None:
    """Bug: a revoked key's record was checked by signature only; a zoneless ``at`` passed
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
