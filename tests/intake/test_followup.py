"""Follow-up with a receipt: verified statuses, decrypted replies, messages, proof, QR."""

from __future__ import annotations

import io
import json
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crypto import document, envelope, proof, receipt, records
from crypto.encoding import b64u_decode, b64u_encode, canonical_json
from crypto.keys import KeyPair, load_x25519_public
from intake import i18n
from vault.blobstore import BlobRef

from .conftest import Org, csrf_of, receipt_of, tr
from .helpers import history_of, open_blob, report_fields, with_files


def _submit(client: FlaskClient) -> str:
    data = with_files(report_fields(csrf_of(client)), {"evidence_1": (b"photo", "p.jpg")})
    return receipt_of(client.post("/submit", data=data).get_data(as_text=True))


def _open(client: FlaskClient, code: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/followup", data={"csrf_token": csrf_of(client, "/followup"), "receipt": code}
    )


def _sealed_reply(app: Flask, case_id: str, text: str) -> bytes:
    """A reply document sealed to the case's reply key, as the reviewer tool writes it."""
    case = app.extensions["bisik"].vault.case_info(case_id)
    doc = document.Document(
        type="reply", submitted_at=document.now(), channel="reviewer", fields={"text": text}
    )
    return envelope.seal(doc.to_bytes(), [load_x25519_public(case.reply_public)])


def _reply(app: Flask, case_id: str, reviewer: KeyPair, text: str) -> BlobRef:
    vault = app.extensions["bisik"].vault
    ref = vault.blobs.put_bytes(_sealed_reply(app, case_id, text))
    vault.add_reply(case_id, records.reply(reviewer.signing, case_id, ref.sha256), ref)
    return ref


def test_status_and_reply_shown_after_verification(
    client: FlaskClient, app: Flask, org: Org
) -> None:
    code = _submit(client)
    case_id = history_of(app, code).case.id
    vault = app.extensions["bisik"].vault
    ani = org.reviewers["ani"]
    vault.add_status(
        case_id, records.status(ani.signing, case_id, "received", at="2026-01-02T03:04:05+00:00")
    )
    vault.add_status(
        case_id, records.status(ani.signing, case_id, "escalated", authority="Bawaslu")
    )
    _reply(app, case_id, ani, "Terima kasih, kami sedang menelaah. MARKER-REPLY")
    client.set_cookie(i18n.COOKIE, "en")
    html = _open(client, code).get_data(as_text=True)
    assert tr("en", "status.escalated") in html and "Bawaslu" in html
    assert tr("en", "status.received") in html and "2026-01-02" in html
    assert "MARKER-REPLY" in html and "Penelaah ani" in html
    assert 'id="message-form"' in html and code in html


def test_tampered_and_foreign_records_are_not_shown(
    client: FlaskClient, app: Flask, org: Org
) -> None:
    code = _submit(client)
    case_id = history_of(app, code).case.id
    vault = app.extensions["bisik"].vault
    good = records.status(org.reviewers["ani"].signing, case_id, "in_review")
    obj = json.loads(good)
    body = json.loads(b64u_decode(obj["body"]))
    body["state"] = "closed_substantiated"  # altered after signing
    obj["body"] = b64u_encode(canonical_json(body))
    vault.add_status(case_id, json.dumps(obj).encode())
    outsider = KeyPair.generate()
    vault.add_status(case_id, records.status(outsider.signing, case_id, "closed_unsubstantiated"))
    html = _open(client, code).get_data(as_text=True)
    assert tr("id", "status.closed_substantiated") not in html
    assert tr("id", "status.closed_unsubstantiated") not in html
    assert tr("id", "case.rejected", n=2) in html
    vault.add_status(case_id, good)
    html = _open(client, code).get_data(as_text=True)
    assert tr("id", "status.in_review") in html


def test_nojs_reply_blob_swapped_on_disk_is_not_shown(
    client: FlaskClient, app: Flask, org: Org
) -> None:
    """Audit F11 (docs/AUDIT-intake.md): the no-JS follow-up trusted a reply blob's file name
    as the hash its record names."""
    code = _submit(client)
    case_id = history_of(app, code).case.id
    vault = app.extensions["bisik"].vault
    ref = _reply(app, case_id, org.reviewers["ani"], "GENUINE-REPLY")
    # someone with the disk puts another envelope, sealed to the same reply key, in its place
    vault.blobs.path(ref.sha256).write_bytes(_sealed_reply(app, case_id, "FORGED-REPLY"))
    html = _open(client, code).get_data(as_text=True)
    assert "FORGED-REPLY" not in html and "GENUINE-REPLY" not in html
    assert tr("id", "case.rejected", n=1) in html


def test_wrong_receipt_looks_like_unknown_and_takes_the_floor(make_app, org: Org) -> None:  # type: ignore[no-untyped-def]
    app = make_app(receipt_floor_ms=120)
    client = app.test_client()
    right = _submit(client)
    wrong = receipt.generate()
    timings = {}
    for name, code in (("right", right), ("wrong", wrong)):
        start = time.monotonic()
        resp = _open(client, code)
        timings[name] = time.monotonic() - start
        assert resp.status_code == (200 if name == "right" else 404)
    assert timings["wrong"] >= 0.12 and timings["right"] >= 0.12
    typo = _open(client, right[:-1] + ("0" if right[-1] != "0" else "1"))
    assert typo.status_code == 400
    assert tr("id", "error.receipt_typo") in typo.get_data(as_text=True)


def test_message_and_retaliation_with_evidence(client: FlaskClient, app: Flask, org: Org) -> None:
    code = _submit(client)
    token = csrf_of(client, "/followup")
    for kind in ("message", "retaliation"):
        data = {
            "csrf_token": token,
            "receipt": code,
            "kind": kind,
            "text": f"{kind} MARKER",
            "retaliation_kind": "transfer" if kind == "retaliation" else "",
            "retaliation_month": "11",
            "share": "1",
            "retaliation_year": str(time.gmtime().tm_year - 1),
            "evidence_1": (io.BytesIO(b"sk-" + kind.encode()), f"{kind}.pdf"),
        }
        resp = client.post("/followup/message", data=data, content_type="multipart/form-data")
        assert resp.status_code == 200, resp.get_data(as_text=True)[-900:]
        assert tr("id", f"notice.sent_{kind}") in resp.get_data(as_text=True)
    hist = history_of(app, code)
    kinds = [e.kind for e in hist.entries]
    assert kinds == ["report", "message", "retaliation"]
    ret = hist.entries[2]
    assert ret.blob is not None
    doc = document.parse(open_blob(app, ret.blob.sha256, org.reviewers["budi"]))
    assert doc.type == "retaliation" and doc.fields["retaliation_kind"] == "transfer"
    assert open_blob(app, ret.evidence[0].sha256, org.reviewers["ani"]) == b"sk-retaliation"
    assert doc.evidence[0].name == "retaliation.pdf" and doc.evidence[0].share


def test_message_with_unknown_receipt_stores_nothing(client: FlaskClient, app: Flask) -> None:
    _submit(client)
    before = sorted(app.extensions["bisik"].vault.blobs.iter_shas())
    data = {
        "csrf_token": csrf_of(client, "/followup"),
        "receipt": receipt.generate(),
        "kind": "message",
        "text": "x",
        "evidence_1": (io.BytesIO(b"z" * 1000), "z"),
    }
    resp = client.post("/followup/message", data=data, content_type="multipart/form-data")
    assert resp.status_code == 404
    assert sorted(app.extensions["bisik"].vault.blobs.iter_shas()) == before


def test_proof_of_report_is_signed_by_the_server_key(client: FlaskClient, app: Flask) -> None:
    code = _submit(client)
    resp = client.post("/followup/proof", data={"csrf_token": csrf_of(client), "receipt": code})
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    state = app.extensions["bisik"]
    checked = proof.verify(resp.data, state.directory().root)  # SPEC §13: root key only
    assert checked.directory.server_key == state.directory().server_key
    hist = history_of(app, code)
    assert checked.received == hist.case.received_day and checked.case == hist.case.id
    assert [(i.kind, i.envelope_sha256) for i in checked.items] == [
        ("report", hist.entries[0].blob.sha256)
    ]


def test_qr_is_posted_svg_and_not_stored(client: FlaskClient) -> None:
    code = _submit(client)
    token = csrf_of(client)
    resp = client.post("/receipt/qr", data={"csrf_token": token, "receipt": code})
    assert resp.status_code == 200 and resp.mimetype == "image/svg+xml"
    assert resp.headers["Cache-Control"] == "no-store"
    assert b"<svg" in resp.data and b"style=" not in resp.data and b"<script" not in resp.data
    assert code not in "".join(resp.headers.getlist("Set-Cookie"))
    assert client.get("/receipt/qr").status_code == 405
    assert (
        client.post("/receipt/qr", data={"csrf_token": token, "receipt": "nonsense"}).status_code
        == 400
    )


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_case_page_renders_in_both_languages(client: FlaskClient, lang: str) -> None:
    code = _submit(client)
    client.set_cookie(i18n.COOKIE, lang)
    html = _open(client, code).get_data(as_text=True)
    assert tr(lang, "case.title") in html and tr(lang, "case.no_status") in html
