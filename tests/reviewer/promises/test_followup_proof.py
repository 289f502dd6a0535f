"""Follow-ups proven by the receipt, on the laptop (crypto/SPEC.md §12).

A message or retaliation report counts as the reporter's only if it carries a signature by the
follow-up key the case's first report published. One that does not is refused (content not
kept, case flagged ``followup_forged``); a case whose report predates §12 keeps its follow-ups
but marks them ``unproven``.

The promise: docs/THREAT_MODEL.md P3b, the server cannot speak for the reporter.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from crypto import document as cdoc
from crypto import envelope, followup, receipt
from vault.bundle import ExportWriter

from ..helpers import FakeReport, Org, cases_of, do_import, make_report


def _message_env(team: Org, rep: FakeReport, text: str) -> bytes:
    keys = [
        r.keys.encryption for r in team.directory().active_reviewers() if r.id in rep.recipients
    ]
    doc = cdoc.Document(
        "message", "2026-11-22T08:00:00+00:00", "browser", {"kind": "message", "text": text}
    )
    return envelope.seal(doc.to_bytes(), keys)


def _export(team: Org, path: Path, rep: FakeReport, env: bytes, proof: bytes | None) -> None:
    """The report, then one message (with ``proof`` as its followup item, if any)."""
    with ExportWriter(path, team.server_key, seq_from=0) as w:
        w.add_case(rep.case_id, rep.received, rep.recipients, rep.reply_key)
        w.add_envelope(
            rep.case_id,
            "report",
            1,
            io.BytesIO(rep.report_env),
            len(rep.report_env),
            hashlib.sha256(rep.report_env).hexdigest(),
        )
        w.add_envelope(
            rep.case_id, "message", 2, io.BytesIO(env), len(env), hashlib.sha256(env).hexdigest()
        )
        if proof is not None:
            w.add_record("followup", rep.case_id, 2, proof)
        w.finish(2)


def _imported(team: Org, tmp_path: Path, rep: FakeReport, env: bytes, proof: bytes | None) -> dict:
    path = tmp_path / "export.bisik"
    _export(team, path, rep, env, proof)
    do_import(team.lead, path)
    return cases_of(team.lead)[rep.case_id]


def _sign(code: str, case_id: str, env: bytes) -> bytes:
    key = receipt.derive(code).followup_key
    return followup.sign(key, case_id, "message", hashlib.sha256(env).hexdigest(), [])


def test_signed_followup_is_proven(team: Org, tmp_path: Path) -> None:
    rep = make_report(team.directory(), ["ayu"], evidence=0, followup_key=True)
    env = _message_env(team, rep, "PESAN-ASLI")
    case = _imported(team, tmp_path, rep, env, _sign(rep.receipt_code, rep.case_id, env))
    (msg,) = case["messages"]
    assert msg["proof"] == "proven" and msg["fields"]["text"] == "PESAN-ASLI"
    assert not {"followup_forged", "followup_unproven"} & set(case["flags"])


def test_unsigned_followup_on_a_proven_case_is_refused(team: Org, tmp_path: Path) -> None:
    rep = make_report(team.directory(), ["ayu"], evidence=0, followup_key=True)
    env = _message_env(team, rep, "PESAN-PALSU")
    case = _imported(team, tmp_path, rep, env, None)
    (msg,) = case["messages"]
    assert msg["proof"] == "forged" and "fields" not in msg and not msg["readable"]
    assert "followup_forged" in case["flags"]


def test_followup_signed_by_another_receipt_is_refused(team: Org, tmp_path: Path) -> None:
    rep = make_report(team.directory(), ["ayu"], evidence=0, followup_key=True)
    env = _message_env(team, rep, "PESAN-PALSU")
    case = _imported(team, tmp_path, rep, env, _sign(receipt.generate(), rep.case_id, env))
    assert case["messages"][0]["proof"] == "forged" and "followup_forged" in case["flags"]


def test_signature_of_another_case_is_refused(team: Org, tmp_path: Path) -> None:
    rep = make_report(team.directory(), ["ayu"], evidence=0, followup_key=True)
    env = _message_env(team, rep, "PESAN-SALINAN")
    case = _imported(team, tmp_path, rep, env, _sign(rep.receipt_code, "kasus0lain", env))
    assert case["messages"][0]["proof"] == "forged"


def test_followup_of_an_old_case_is_kept_but_unproven(team: Org, tmp_path: Path) -> None:
    rep = make_report(team.directory(), ["ayu"], evidence=0)  # a report from before §12
    env = _message_env(team, rep, "PESAN-LAMA")
    case = _imported(team, tmp_path, rep, env, None)
    (msg,) = case["messages"]
    assert msg["proof"] == "unproven" and msg["fields"]["text"] == "PESAN-LAMA"
    assert "followup_unproven" in case["flags"]
