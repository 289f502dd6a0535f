"""The vault's half of follow-ups proven by the receipt (crypto/SPEC.md §12, vault/BUNDLE.md §2.1).

The promise: docs/THREAT_MODEL.md P3b, the server cannot speak for the reporter.

A case with a follow-up key stores a message only with a signature by that key for exactly
that case, kind, envelope and evidence; the signature travels to the laptops as a ``followup``
export item right after its message; a reader refuses such an item anywhere else.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from pathlib import Path

import pytest

from crypto import envelope, followup, receipt, signed
from crypto.keys import raw_public
from vault.bundle import BundleFormatError, BundleIntegrityError, ExportWriter, read_export
from vault.errors import UnprovenFollowupError
from vault.transfer import export_bundle

from ..helpers import Server, open_server


@pytest.fixture
def server(vault_db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    srv = open_server(tmp_path / "home", vault_db_url)
    yield srv
    srv.vault.close()


def _keyed_case(server: Server) -> tuple[str, receipt.ReceiptSecrets, list]:
    sec = receipt.derive(receipt.generate())
    keys = [kp.public.encryption for kp in server.org.reviewers.values()]
    report = server.vault.blobs.put_bytes(envelope.seal(b"LAPORAN", keys))
    case = server.vault.create_case(
        lookup_tag=secrets.token_bytes(32),
        reply_public=raw_public(sec.reply_public),
        recipients=list(server.org.reviewers),
        report_blob=report,
        evidence=[],
        followup_public=raw_public(sec.followup_public),
    )
    return case, sec, keys


def test_unsigned_or_forged_message_is_not_stored(server: Server) -> None:
    case, sec, keys = _keyed_case(server)
    msg = server.vault.blobs.put_bytes(envelope.seal(b"PESAN", keys))
    forged = followup.sign(
        receipt.derive(receipt.generate()).followup_key, case, "message", msg.sha256, []
    )
    wrong_kind = followup.sign(sec.followup_key, case, "retaliation", msg.sha256, [])
    for proof in (None, forged, wrong_kind, b"not json"):
        with pytest.raises(UnprovenFollowupError):
            server.vault.add_message(case, kind="message", blob=msg, signature=proof)
    assert [e.kind for e in server.vault.case_history(case).entries] == ["report"]


def test_signed_message_is_exported_with_its_signature(server: Server, tmp_path: Path) -> None:
    case, sec, keys = _keyed_case(server)
    msg = server.vault.blobs.put_bytes(envelope.seal(b"PESAN", keys))
    proof = followup.sign(sec.followup_key, case, "message", msg.sha256, [])
    server.vault.add_message(case, kind="message", blob=msg, signature=proof)
    out = tmp_path / "export.bisik"
    export_bundle(server.vault, server.org.server, out, directory=server.org.directory)
    with read_export(out, server.org.directory) as export:
        items = [
            (i.kind, i.extra.get("type"), i.read_bytes() if i.kind == "followup" else None)
            for i in export.items()
        ]
    kinds = [(k, t) for k, t, _ in items]
    assert kinds.index(("followup", None)) == kinds.index(("envelope", "message")) + 1
    assert [d for k, _, d in items if k == "followup"] == [proof]


def _bundle(path: Path, server: Server, after: str, data: bytes, seq: int = 1) -> None:
    env = envelope.seal(b"x", [next(iter(server.org.reviewers.values())).public.encryption])
    with ExportWriter(path, server.org.server, seq_from=0) as w:
        w.add_case("case1", "2026-11-20", ["rev_a"], "A" * 43)
        w.add_envelope(
            "case1", after, 1, io.BytesIO(env), len(env), hashlib.sha256(env).hexdigest()
        )
        w.add_record("followup", "case1", seq, data)
        w.finish(seq)


def test_reader_refuses_a_followup_item_not_after_a_message(server: Server, tmp_path: Path) -> None:
    sig = signed.sign(
        receipt.derive(receipt.generate()).followup_key, "followup", {"v": 1}
    ).to_bytes()
    _bundle(tmp_path / "a.bisik", server, "report", sig)
    with pytest.raises(BundleIntegrityError):
        read_export(tmp_path / "a.bisik", server.org.directory)
    _bundle(tmp_path / "s.bisik", server, "message", sig, seq=2)  # another journal entry's
    with pytest.raises(BundleIntegrityError):
        read_export(tmp_path / "s.bisik", server.org.directory)
    _bundle(tmp_path / "b.bisik", server, "message", b'{"not": "signed"}')
    with pytest.raises(BundleFormatError):
        read_export(tmp_path / "b.bisik", server.org.directory)
    _bundle(tmp_path / "c.bisik", server, "message", sig)  # placement and form only: the
    with read_export(tmp_path / "c.bisik", server.org.directory) as export:  # laptop verifies
        assert [i.kind for i in export.items()][-1] == "followup"
