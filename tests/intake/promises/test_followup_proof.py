"""Follow-ups proven by the receipt, on the server (crypto/SPEC.md §12).

The JavaScript path: a report names the receipt's follow-up public key, and a follow-up is
stored only with the browser's signature by that key, for exactly this case, kind, envelope
and evidence — otherwise 403 ``error.followup_unproven`` and nothing is kept. The no-JS path:
the server signs in memory with the key derived from the receipt the reporter typed. A case
from before §12 (no key) still takes unsigned follow-ups.

The promise: docs/THREAT_MODEL.md P3b, the server cannot speak for the reporter.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crypto import document, envelope, followup, receipt
from crypto.encoding import b64u_encode
from crypto.keys import load_ed25519_public, raw_public
from crypto.receipt import ReceiptSecrets
from tests.intake.helpers import report_fields, with_files

from ..conftest import Org, csrf_of, receipt_of, reviewer_keys
from ..helpers import Api

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)


def _report(api: Api, org: Org, *, with_key: bool = True) -> tuple[ReceiptSecrets, str]:
    """A browser report (keyed unless ``with_key`` is False: a client from before §12)."""
    sec = receipt.derive(receipt.generate())
    doc = document.Document(
        "report",
        document.now(),
        "browser",
        {"description": "x"},
        b64u_encode(raw_public(sec.reply_public)),
        followup_key=b64u_encode(raw_public(sec.followup_public)) if with_key else None,
    )
    body: dict[str, Any] = {
        "lookup_id": b64u_encode(sec.lookup_id),
        "reply_public": b64u_encode(raw_public(sec.reply_public)),
        "report": b64u_encode(envelope.seal(doc.to_bytes(), reviewer_keys(org))),
        "evidence": [],
    }
    if with_key:
        body["followup_public"] = b64u_encode(raw_public(sec.followup_public))
    r = api.call("POST", "/api/reports", body)
    assert r.status_code == 201, r.get_json()
    case = api.call("POST", "/api/case", {"lookup_id": b64u_encode(sec.lookup_id)}).get_json()
    return sec, case["case"]


def _message(
    api: Api,
    org: Org,
    sec: ReceiptSecrets,
    proof: Any,
    env: bytes | None = None,
    evidence: list[dict[str, Any]] | None = None,
) -> Any:
    env = env or _envelope(org)
    body = {
        "lookup_id": b64u_encode(sec.lookup_id),
        "kind": "message",
        "envelope": b64u_encode(env),
        "evidence": evidence or [],
    }
    if proof is not None:
        body["signature"] = proof
    return api.call("POST", "/api/case/message", body)


def _envelope(org: Org) -> bytes:
    doc = document.Document(
        "message", document.now(), "browser", {"kind": "message", "text": "tindak lanjut"}
    )
    return envelope.seal(doc.to_bytes(), reviewer_keys(org))


def _sign(key: Any, case: str, env: bytes, evidence: list[str] | None = None) -> str:
    sha = hashlib.sha256(env).hexdigest()
    return followup.sign(key, case, "message", sha, evidence or []).decode()


def _messages(app: Flask, case: str) -> list[Any]:
    hist = app.extensions["bisik"].vault.case_history(case)
    return [e for e in hist.entries if e.kind == "message"]


def test_browser_followup_without_proof_is_refused_and_nothing_kept(
    api: Api, org: Org, app: Flask
) -> None:
    sec, case = _report(api, org)
    before = sorted(app.extensions["bisik"].vault.blobs.iter_shas())
    r = _message(api, org, sec, None)
    assert r.status_code == 403 and r.get_json()["error"] == "error.followup_unproven"
    assert _messages(app, case) == []
    assert sorted(app.extensions["bisik"].vault.blobs.iter_shas()) == before


@pytest.mark.parametrize(
    "forgery", ["other_receipt", "other_case", "other_envelope", "other_evidence", "garbage"]
)
def test_browser_followup_with_a_forged_proof_is_refused(
    api: Api, org: Org, app: Flask, forgery: str
) -> None:
    sec, case = _report(api, org)
    env = _envelope(org)
    ev_env = envelope.seal(os.urandom(3000), reviewer_keys(org))
    stored = api.upload(ev_env)
    proof = {
        "other_receipt": lambda: _sign(
            receipt.derive(receipt.generate()).followup_key, case, env, [stored["sha256"]]
        ),
        "other_case": lambda: _sign(sec.followup_key, "lain" + case[4:], env, [stored["sha256"]]),
        "other_envelope": lambda: _sign(sec.followup_key, case, _envelope(org), [stored["sha256"]]),
        "other_evidence": lambda: _sign(sec.followup_key, case, env, []),
        "garbage": lambda: '{"bisik":"signed/v1"}',
    }[forgery]()
    r = _message(api, org, sec, proof, env, [stored])
    assert r.status_code == 403 and r.get_json()["error"] == "error.followup_unproven"
    assert _messages(app, case) == []


def test_browser_followup_with_its_proof_is_stored_with_the_signature(
    api: Api, org: Org, app: Flask
) -> None:
    sec, case = _report(api, org)
    env = _envelope(org)
    r = _message(api, org, sec, _sign(sec.followup_key, case, env), env)
    assert r.status_code == 201, r.get_json()
    (entry,) = _messages(app, case)
    info = app.extensions["bisik"].vault.case_info(case)
    assert info.followup_public == raw_public(sec.followup_public)
    assert entry.record is not None  # exported beside the envelope for the reviewer to check
    followup.verify(
        entry.record, sec.followup_public, case, "message", hashlib.sha256(env).hexdigest(), []
    )


def test_case_from_before_proofs_takes_unsigned_followups(api: Api, org: Org, app: Flask) -> None:
    sec, case = _report(api, org, with_key=False)
    r = _message(api, org, sec, None)
    assert r.status_code == 201
    (entry,) = _messages(app, case)
    assert entry.record is None  # nothing to prove it with: the reviewer sees it "unproven"


def test_nojs_followup_is_signed_with_the_receipt_key_in_memory(
    client: FlaskClient, app: Flask
) -> None:
    data = with_files(report_fields(csrf_of(client)), {"evidence_1": (b"photo", "p.jpg")})
    code = receipt_of(client.post("/submit", data=data).get_data(as_text=True))
    sec = receipt.derive(code)
    vault = app.extensions["bisik"].vault
    info = vault.case_by_lookup(
        receipt.lookup_tag(app.extensions["bisik"].secrets.pepper, sec.lookup_id)
    )
    assert info is not None and info.followup_public == raw_public(sec.followup_public)
    form = {
        "csrf_token": csrf_of(client, "/followup"),
        "receipt": code,
        "kind": "message",
        "text": "tindak lanjut",
    }
    resp = client.post(
        "/followup/message",
        data=with_files(form, {"evidence_1": (b"lampiran", "l.pdf")}),
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)[-600:]
    (entry,) = _messages(app, info.id)
    assert entry.blob is not None and entry.record is not None and len(entry.evidence) == 1
    followup.verify(
        entry.record,
        load_ed25519_public(info.followup_public),
        info.id,
        "message",
        entry.blob.sha256,
        [e.sha256 for e in entry.evidence],
    )
