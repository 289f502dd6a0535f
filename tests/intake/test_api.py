"""The JSON API of the JavaScript path (intake/api/), driven with the Flask test client.

The browser's work (sealing, receipt derivation) is done here with the Python reference
library, so these tests pin the server's half of the protocol: ciphertext-only uploads in
resumable pieces, duplicate and out-of-order pieces, header checks, claims, CSRF, the
lookup by browser-derived id, and that nothing readable is stored.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient

from crypto import document, envelope, receipt, records
from crypto.encoding import b64u_encode
from crypto.keys import raw_public
from intake.config import Limits
from vault.uploads import upload_id_for

from .conftest import Org, csrf_of, reviewer_keys
from .helpers import Api, blob_files, case_count

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)


def test_upload_pieces_in_any_order_resume_and_duplicates(api: Api, org: Org, app: Flask) -> None:
    data = envelope.seal(os.urandom(300_000), reviewer_keys(org))
    start = api.call("POST", "/api/uploads", {"size": len(data)}).get_json()
    tok = {"X-Upload-Token": start["token"]}
    url = f"/api/uploads/{start['id']}"
    assert api.call("PUT", f"{url}?offset=0", data[:100_000], **tok).get_json() == {
        "offset": 100_000
    }
    # a retried duplicate is acknowledged without change
    dup = api.call("PUT", f"{url}?offset=0", data[:100_000], **tok)
    assert dup.status_code == 200 and dup.get_json()["offset"] == 100_000
    # a later piece (several are in flight) is stored; the prefix waits for the hole
    later = api.call("PUT", f"{url}?offset=200000", data[200_000:], **tok)
    assert later.status_code == 200 and later.get_json() == {"offset": 100_000}
    # after a dropped connection the browser asks what is stored and resends only the rest
    assert api.call("GET", url, **tok).get_json() == {
        "offset": 100_000,
        "have": [[0, 100_000], [200_000, len(data)]],
    }
    # an overlapping piece fills the hole (its stored part is not written again), and the
    # piece that completes the upload finishes it: no separate round trip
    last = api.call("PUT", f"{url}?offset=50000", data[50_000:250_000], **tok).get_json()
    sha = last["sha256"]
    assert last["offset"] == last["size"] == len(data) and last["claim"]
    assert sha == hashlib.sha256(data).hexdigest()
    with app.extensions["bisik"].vault.blobs.open(sha) as f:
        assert f.read() == data
    # an answer lost on the way is asked for again: finish, the ranges and a resend agree
    done = api.call("POST", f"{url}/finish", {}, **tok)
    assert done.status_code == 200 and done.get_json() == {k: last[k] for k in done.get_json()}
    assert set(done.get_json()) == {"sha256", "size", "claim"}
    assert api.call("GET", url, **tok).get_json() == {
        "offset": len(data),
        "have": [[0, len(data)]],
    }
    assert api.call("PUT", f"{url}?offset=0", data[:100_000], **tok).get_json() == last


def test_a_browser_chosen_token_opens_its_upload_with_a_piece(api: Api, org: Org) -> None:
    """The browser chooses its token and derives the id, and its pieces carry the whole size,
    so whichever arrives first opens the upload: no round trip to open it. Nobody can open an
    id under a token it does not come from."""
    data = envelope.seal(os.urandom(300_000), reviewer_keys(org))
    token = os.urandom(32)
    name = upload_id_for(token)
    tok = {"X-Upload-Token": b64u_encode(token)}
    url = f"/api/uploads/{name}"
    bare = api.call("PUT", f"{url}?offset=100000", data[100_000:], **tok)  # no size: unknown
    assert bare.status_code == 404 and bare.get_json()["error"] == "error.upload_unknown"
    first = api.call("PUT", f"{url}?offset=100000&size={len(data)}", data[100_000:], **tok)
    assert first.status_code == 200 and first.get_json() == {"offset": 0}  # opened, stored
    other = {"X-Upload-Token": b64u_encode(os.urandom(32))}
    stolen = api.call("PUT", f"{url}?offset=0&size={len(data)}", data[:100_000], **other)
    assert stolen.status_code == 404  # the id is not this token's
    done = api.call("PUT", f"{url}?offset=0&size={len(data)}", data[:100_000], **tok).get_json()
    assert done["sha256"] == hashlib.sha256(data).hexdigest() and done["size"] == len(data)
    too_large = upload_id_for(b"t" * 32)
    r = api.call(
        "PUT",
        f"/api/uploads/{too_large}?offset=0&size={10**14}",
        data[:1000],
        **{"X-Upload-Token": b64u_encode(b"t" * 32)},
    )
    assert r.status_code == 413 and r.get_json()["error"] == "error.too_large"


def test_opening_an_upload_spends_one_budget_either_way(make_app: Any, org: Org) -> None:
    """Opening explicitly and opening with a piece draw on the same budget."""
    api = Api(make_app(limits=Limits(upload_session="2/hour")).test_client())
    data = envelope.seal(os.urandom(1000), reviewer_keys(org))
    assert api.call("POST", "/api/uploads", {"size": len(data)}).status_code == 201

    def by_piece() -> Any:
        token = os.urandom(32)
        return api.call(
            "PUT",
            f"/api/uploads/{upload_id_for(token)}?offset=0&size={len(data)}",
            data,
            **{"X-Upload-Token": b64u_encode(token)},
        )

    assert by_piece().status_code == 200
    refused = by_piece()
    assert refused.status_code == 429 and refused.get_json()["error"] == "error.rate_limited"
    assert api.call("POST", "/api/uploads", {"size": len(data)}).status_code == 429


def test_upload_needs_its_token(api: Api, org: Org) -> None:
    data = envelope.seal(b"x" * 5000, reviewer_keys(org))
    start = api.call("POST", "/api/uploads", {"size": len(data)}).get_json()
    other = b64u_encode(os.urandom(32))
    r = api.call("PUT", f"/api/uploads/{start['id']}?offset=0", data, **{"X-Upload-Token": other})
    assert r.status_code == 404 and r.get_json()["error"] == "error.upload_unknown"
    r = api.call("GET", f"/api/uploads/{start['id']}")
    assert r.status_code == 404


def test_first_piece_must_be_an_envelope_for_reviewers(api: Api, org: Org) -> None:
    stranger = X25519PrivateKey.generate().public_key()
    for data in (b"MARKER-PLAINTEXT " * 200, envelope.seal(b"y" * 100, [stranger])):
        start = api.call("POST", "/api/uploads", {"size": len(data)}).get_json()
        r = api.call(
            "PUT",
            f"/api/uploads/{start['id']}?offset=0",
            data,
            **{"X-Upload-Token": start["token"]},
        )
        assert r.status_code == 422
        assert r.get_json()["error"] in ("error.bad_envelope", "error.no_recipient")


def test_upload_bounds(api: Api, make_app: Any) -> None:
    r = api.call("POST", "/api/uploads", {"size": 0})
    assert r.status_code == 400
    r = api.call("POST", "/api/uploads", {"size": 1 << 50})
    assert r.status_code == 413 and r.get_json()["error"] == "error.too_large"
    start = api.call("POST", "/api/uploads", {"size": 10}).get_json()
    r = api.call(
        "PUT",
        f"/api/uploads/{start['id']}?offset=0",
        b"z" * 11,
        **{"X-Upload-Token": start["token"]},
    )
    assert r.status_code in (413, 422)


def test_finish_hashes_what_it_stored_and_ignores_a_client_hash(
    api: Api, org: Org, app: Flask
) -> None:
    """The browser no longer hashes its envelope (SPEC §8): the server computes the SHA-256
    of the bytes it holds; a hash a client still sends is neither trusted nor needed."""
    data = envelope.seal(b"q" * 3000, reviewer_keys(org))
    start = api.call("POST", "/api/uploads", {"size": len(data)}).get_json()
    tok = {"X-Upload-Token": start["token"]}
    api.call("PUT", f"/api/uploads/{start['id']}?offset=0", data, **tok)
    r = api.call("POST", f"/api/uploads/{start['id']}/finish", {"sha256": "0" * 64}, **tok)
    assert r.status_code == 200
    assert r.get_json()["sha256"] == hashlib.sha256(data).hexdigest()
    with app.extensions["bisik"].vault.blobs.open(r.get_json()["sha256"]) as f:
        assert f.read() == data


def test_finish_refuses_an_incomplete_upload(api: Api, org: Org) -> None:
    data = envelope.seal(b"q" * 3000, reviewer_keys(org))
    start = api.call("POST", "/api/uploads", {"size": len(data)}).get_json()
    tok = {"X-Upload-Token": start["token"]}
    api.call("PUT", f"/api/uploads/{start['id']}?offset=0", data[:-1], **tok)
    r = api.call("POST", f"/api/uploads/{start['id']}/finish", **tok)
    assert r.status_code == 409 and r.get_json()["error"] == "error.upload_incomplete"
    # the session stays: the last byte can still be sent and the upload finished
    api.call("PUT", f"/api/uploads/{start['id']}?offset={len(data) - 1}", data[-1:], **tok)
    r = api.call("POST", f"/api/uploads/{start['id']}/finish", **tok)
    assert r.status_code == 200 and r.get_json()["size"] == len(data)


@pytest.mark.parametrize("extra", [b"\x00", b"G" * 70_000])
def test_finish_refuses_envelope_with_impossible_length(
    api: Api, org: Org, home: Path, extra: bytes
) -> None:
    """Audit F6 (docs/AUDIT-intake.md): the server stored envelopes of sizes no writer can
    produce."""
    good = envelope.seal(os.urandom(3000), reviewer_keys(org))
    bad = good + extra
    start = api.call("POST", "/api/uploads", {"size": len(bad)}).get_json()
    tok = {"X-Upload-Token": start["token"]}
    url = f"/api/uploads/{start['id']}"
    done = api.call("PUT", f"{url}?offset=0", bad, **tok)  # completes it: finished and checked
    assert done.status_code == 422
    assert done.get_json()["error"] == "error.bad_envelope"
    assert blob_files(home) == []  # refused bytes are not left in the store
    for again in (
        api.call("PUT", f"{url}?offset=0", bad, **tok),
        api.call("POST", f"{url}/finish", {}, **tok),
    ):
        assert again.status_code == 404  # asked again: a clear refusal, not a server error
        assert again.get_json()["error"] == "error.upload_unknown"
    control = api.send(good, piece=len(good))
    assert control.status_code == 200


def test_inline_report_with_impossible_length_creates_no_case(
    client: FlaskClient, app: Flask, org: Org
) -> None:
    """Audit F6: an inline report envelope of an impossible size created a case."""
    csrf = csrf_of(client)
    secrets = receipt.derive(receipt.generate())
    report = envelope.seal(b'{"v":1}', reviewer_keys(org)) + b"\x00\x00"
    r = client.post(
        "/api/reports",
        json={
            "lookup_id": b64u_encode(secrets.lookup_id),
            "reply_public": b64u_encode(raw_public(secrets.reply_public)),
            "report": b64u_encode(report),
            "evidence": [],
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 422
    assert case_count(app) == 0


def test_csrf_header_required(client: FlaskClient) -> None:
    csrf_of(client, "/submit")
    r = client.post("/api/uploads", json={"size": 10})
    assert r.status_code == 403
    r = client.post("/api/uploads", json={"size": 10}, headers={"X-CSRF-Token": "nope"})
    assert r.status_code == 403
    assert r.get_json() == {"error": "error.csrf"}  # the JS fetches a fresh token on this


def _report(api: Api, org: Org, evidence_data: bytes) -> tuple[str, dict[str, Any]]:
    code = receipt.generate()
    sec = receipt.derive(code)
    ev_env = envelope.seal(evidence_data, reviewer_keys(org))
    ev_mac = envelope.header_mac(io.BytesIO(ev_env))
    stored = api.upload(ev_env)
    doc = document.Document(
        type="report",
        submitted_at=document.now(),
        channel="browser",
        fields={"description": "MARKER-REPORT-TEXT"},
        reply_key=b64u_encode(raw_public(sec.reply_public)),
        evidence=[
            document.Evidence(
                stored["sha256"],
                "MARKER-NAME.jpg",
                "image/jpeg",
                len(evidence_data),
                envelope_mac=ev_mac.hex(),
            )
        ],
    )
    body = {
        "lookup_id": b64u_encode(sec.lookup_id),
        "reply_public": b64u_encode(raw_public(sec.reply_public)),
        "report": b64u_encode(envelope.seal(doc.to_bytes(), reviewer_keys(org))),
        "evidence": [stored],
    }
    r = api.call("POST", "/api/reports", body)
    assert r.status_code == 201, r.get_json()
    return code, stored


def test_report_and_followup_roundtrip(api: Api, org: Org, app: Flask, home: Path) -> None:
    evidence_data = b"MARKER-EVIDENCE " + os.urandom(200_000)
    code, stored = _report(api, org, evidence_data)
    sec = receipt.derive(code)
    vault = app.extensions["bisik"].vault
    case = vault.case_by_lookup(
        receipt.lookup_tag(app.extensions["bisik"].secrets.pepper, sec.lookup_id)
    )
    assert case is not None
    assert set(case.recipients) == set(org.reviewers)
    hist = vault.case_history(case.id)
    report = next(e for e in hist.entries if e.kind == "report")
    assert report.evidence[0].sha256 == stored["sha256"]
    kp = org.reviewers["ani"]
    with vault.blobs.open(report.blob.sha256) as f:
        doc = document.parse(envelope.unseal(f.read(), kp.encryption))
    assert doc.fields["description"] == "MARKER-REPORT-TEXT"
    assert doc.channel == "browser"  # only inside the sealed document, never a column
    with vault.blobs.open(stored["sha256"]) as f:
        assert envelope.unseal(f.read(), kp.encryption) == evidence_data

    # a reviewer's status and reply come back to the browser as signed records + envelope
    vault.add_status(case.id, records.status(kp.signing, case.id, "in_review"))
    reply_doc = document.Document(
        type="reply",
        submitted_at=document.now(),
        channel="reviewer",
        fields={"text": "terima kasih"},
    )
    reply_env = envelope.seal(reply_doc.to_bytes(), [sec.reply_public])
    ref = vault.blobs.put_bytes(reply_env)
    vault.add_reply(case.id, records.reply(kp.signing, case.id, ref.sha256), ref)
    r = api.call("POST", "/api/case", {"lookup_id": b64u_encode(sec.lookup_id)})
    assert r.status_code == 200
    got = r.get_json()
    assert got["case"] == case.id and len(got["statuses"]) == 1 and len(got["replies"]) == 1
    assert records.verify(got["statuses"][0], app.extensions["bisik"].directory(), "status")
    from crypto.encoding import b64u_decode

    opened = envelope.unseal(b64u_decode(got["replies"][0]["envelope"]), sec.reply_key)
    assert document.parse(opened).fields["text"] == "terima kasih"

    # a follow-up message sealed in the "browser" (may include the reply key as a recipient)
    msg = document.Document(
        type="message",
        submitted_at=document.now(),
        channel="browser",
        fields={"kind": "message", "text": "MARKER-MESSAGE"},
    )
    env = envelope.seal(msg.to_bytes(), [*reviewer_keys(org), sec.reply_public])
    r = api.call(
        "POST",
        "/api/case/message",
        {
            "lookup_id": b64u_encode(sec.lookup_id),
            "kind": "message",
            "envelope": b64u_encode(env),
            "evidence": [],
        },
    )
    assert r.status_code == 201, r.get_json()
    assert [e.kind for e in vault.case_history(case.id).entries].count("message") == 1

    # nothing readable on disk: no marker, no receipt, no lookup id
    needles = [
        b"MARKER",
        code.encode(),
        code.replace("-", "").encode(),
        sec.lookup_id,
        b64u_encode(sec.lookup_id).encode(),
    ]
    for path in home.rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            for needle in needles:
                assert needle not in blob, (path, needle[:12])


def test_unknown_lookup_and_unclaimed_evidence(api: Api, org: Org) -> None:
    r = api.call("POST", "/api/case", {"lookup_id": b64u_encode(os.urandom(32))})
    assert r.status_code == 404 and r.get_json()["error"] == "error.receipt_unknown"
    sec = receipt.derive(receipt.generate())
    ev = envelope.seal(b"e" * 2000, reviewer_keys(org))
    stored = api.upload(ev)
    doc = document.Document(
        type="report",
        submitted_at=document.now(),
        channel="browser",
        reply_key=b64u_encode(raw_public(sec.reply_public)),
    )
    forged = dict(stored, claim=b64u_encode(os.urandom(16)))
    body = {
        "lookup_id": b64u_encode(sec.lookup_id),
        "reply_public": b64u_encode(raw_public(sec.reply_public)),
        "report": b64u_encode(envelope.seal(doc.to_bytes(), reviewer_keys(org))),
        "evidence": [forged],
    }
    r = api.call("POST", "/api/reports", body)
    assert r.status_code == 422 and r.get_json()["error"] == "error.upload_integrity"
    # a report sealed to a stranger is refused: no reviewer could read it
    body = dict(
        body,
        evidence=[stored],
        report=b64u_encode(
            envelope.seal(doc.to_bytes(), [X25519PrivateKey.generate().public_key()])
        ),
    )
    r = api.call("POST", "/api/reports", body)
    assert r.status_code == 422 and r.get_json()["error"] == "error.bad_envelope"


def test_directory_and_messages(api: Api, app: Flask) -> None:
    r = api.client.get("/api/directory")
    assert r.status_code == 200
    assert r.get_data() == app.extensions["bisik"].directory_bytes()
    m = api.client.get("/api/messages").get_json()
    assert m["lang"] == "id" and "receipt.title" in m["messages"]
    assert re.match(r"^[A-Za-z0-9_-]+$", api.client.get("/api/session").get_json()["csrf"])


def test_limits_are_per_session_not_per_address(make_app: Any) -> None:
    from intake.config import Limits

    app = make_app(limits=Limits(upload_session="2/hour"))
    first, second = Api(app.test_client()), Api(app.test_client())
    codes = [first.call("POST", "/api/uploads", {"size": 10}).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    r = first.call("POST", "/api/uploads", {"size": 10})
    assert r.get_json() == {"error": "error.rate_limited"}
    # another session from the same address (every Tor client is 127.0.0.1) is unaffected
    assert second.call("POST", "/api/uploads", {"size": 10}).status_code == 201
