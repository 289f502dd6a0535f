"""The JSON API of the JavaScript path (intake/api/), through the Flask test client.

The first byte picks the request. Below 200: a JSON POST to one of ``ENDPOINTS`` whose body is
the rest. From 200: a raw request (GET, PUT or POST by the byte) whose first line is the path
and query under ``/api/`` (upload ids, ``?offset=``) and the rest its body, with the token of a
real upload. Every request carries a valid CSRF token in a session that has a real case (its
lookup id is in the seeds). Every refusal is a JSON error with a 4xx status; a 5xx answer or
an exception out of the app is a bug.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any
from urllib.parse import quote

from crypto import document, envelope, followup, receipt
from crypto.directory import Reviewer, sign_directory
from crypto.encoding import b64u_encode
from crypto.keys import raw_public
from fuzz.common import REVIEWERS, ROOT, scratch_dir, seed_bytes

ENDPOINTS = (
    "/api/reports",
    "/api/case",
    "/api/case/message",
    "/api/uploads",
    "/api/case/proof",
    "/api/uploads/AAAAAAAAAAAAAAAA/finish",
)
CODE = receipt.generate(lambda n: seed_bytes("api receipt")[0] % n)
SECRETS = receipt.derive(CODE)


@cache
def _client() -> tuple[Any, str, str, dict[str, str]]:
    """(test client, CSRF token, case id, upload {id, token}) of an app on a fresh home with
    one browser case and one upload in progress."""
    from intake import config as cfg
    from intake.app import create_app
    from intake.home import init_home, install_org, server_public

    home = scratch_dir("api-") / "server"
    init_home(home)
    today = dt.datetime.now(dt.UTC).date()
    entries = [
        Reviewer(
            rid,
            rid.title(),
            "reviewer",
            kp.public,
            today - dt.timedelta(days=1),
            today + dt.timedelta(days=60),
        )
        for rid, kp in REVIEWERS.items()
    ]
    directory = sign_directory(
        ROOT, "Fuzz", 1, today + dt.timedelta(days=30), entries, server_public(home)
    )
    install_org(home, raw_public(ROOT.public_key()), directory)
    config = cfg.with_overrides(
        cfg.load(home, env={}), receipt_floor_ms=0, log_file=str(home / "bisik.log")
    )
    app = create_app(config)
    app.testing = True  # an exception reaches the fuzzer with its traceback
    app.extensions["bisik_limiter"].enabled = False  # budgets are not what is fuzzed here
    client = app.test_client()
    csrf = client.get("/api/session").get_json()["csrf"]
    r = client.post("/api/reports", json=_report_body(), headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.get_json()
    case = client.post(
        "/api/case",
        json={"lookup_id": b64u_encode(SECRETS.lookup_id)},
        headers={"X-CSRF-Token": csrf},
    ).get_json()["case"]
    upload = client.post(
        "/api/uploads", json={"size": 1 << 20}, headers={"X-CSRF-Token": csrf}
    ).get_json()
    return client, csrf, case, upload


def _keys() -> list[Any]:
    return [kp.encryption.public_key() for kp in REVIEWERS.values()]


def _report_body() -> dict[str, Any]:
    doc = document.Document(
        "report",
        "2026-11-20T08:00:00+00:00",
        "browser",
        {"d": "x"},
        b64u_encode(raw_public(SECRETS.reply_public)),
        followup_key=b64u_encode(raw_public(SECRETS.followup_public)),
    )
    return {
        "lookup_id": b64u_encode(SECRETS.lookup_id),
        "reply_public": b64u_encode(raw_public(SECRETS.reply_public)),
        "followup_public": b64u_encode(raw_public(SECRETS.followup_public)),
        "report": b64u_encode(envelope.seal(doc.to_bytes(), _keys())),
        "evidence": [],
    }


def check(data: bytes) -> None:
    if not data:
        return
    client, csrf, _, upload = _client()
    if data[0] < 200:
        path = ENDPOINTS[data[0] % len(ENDPOINTS)]
        r = client.post(
            path, data=data[1:], content_type="application/json", headers={"X-CSRF-Token": csrf}
        )
    else:
        line, _, body = data[1:].partition(b"\n")
        path = "/api/" + quote(line[:300].decode("latin-1"), safe="/?=&")
        method = ("GET", "PUT", "POST")[data[0] % 3]
        r = client.open(
            path,
            method=method,
            data=body,
            content_type="application/octet-stream",
            headers={"X-CSRF-Token": csrf, "X-Upload-Token": upload["token"]},
        )
    assert r.status_code < 500, (path, r.status_code, r.get_data()[:300])


def seeds() -> list[bytes]:
    import hashlib
    import json

    _, _, case, upload = _client()
    msg = envelope.seal(
        document.Document(
            "message", "2026-11-21T08:00:00+00:00", "browser", {"kind": "message", "text": "t"}
        ).to_bytes(),
        _keys(),
    )
    proof = followup.sign(
        SECRETS.followup_key, case, "message", hashlib.sha256(msg).hexdigest(), []
    ).decode()
    lookup = b64u_encode(SECRETS.lookup_id)
    bodies: list[tuple[int, Any]] = [
        (0, _report_body()),
        (1, {"lookup_id": lookup}),
        (3, {"size": 4096}),
        (
            2,
            {
                "lookup_id": lookup,
                "kind": "message",
                "envelope": b64u_encode(msg),
                "evidence": [],
                "signature": proof,
            },
        ),
        (
            2,
            {
                "lookup_id": lookup,
                "kind": "retaliation",
                "envelope": "AAAA",
                "evidence": [{"sha256": "ab" * 32, "size": 3, "claim": "x"}],
            },
        ),
        (4, {"lookup_id": lookup}),
        (5, {}),
    ]
    header = envelope.seal(b"bukti", _keys())[:400]
    raw = [
        (201, f"uploads/{upload['id']}?offset=0\n".encode() + header),
        (200, f"uploads/{upload['id']}\n".encode()),
        (201, f"uploads/{upload['id']}?offset=\u00b2\n".encode() + b"x"),
        (202, f"uploads/{upload['id']}/finish\n".encode()),
    ]
    return [bytes([i]) + json.dumps(b).encode() for i, b in bodies] + [
        bytes([i]) + b for i, b in raw
    ]
