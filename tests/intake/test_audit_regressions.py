"""Regression tests for the intake audit (docs/AUDIT-intake.md), one per finding fixed.

Each test drives the real app (Flask test client, real SQLite vault and blob store) and
asserts behaviour: how many request bytes the server consumed before refusing, what status
it answered, and what it left on disk. None asserts a message text.
"""

from __future__ import annotations

import http.client
import io
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crypto import envelope, receipt
from crypto.encoding import b64u_encode
from crypto.keys import raw_public
from intake import config as cfg
from intake.bodies import SMALL_BODY
from tests.servers import free_port, wait_for_port

from .conftest import Org, csrf_of
from .forms_data import report_fields, with_files

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

MiB = 1 << 20
ROOT = Path(__file__).resolve().parents[2]


class Counting(io.BytesIO):
    """A request body that remembers how far the server read it."""

    @property
    def consumed(self) -> int:
        return self.tell()


def _chunked(
    app: Flask, client: FlaskClient, path: str, body: Counting, content_type: str, **headers: str
) -> int:
    """POST ``body`` the way gunicorn passes a chunked request (no CONTENT_LENGTH in the
    environ, ``wsgi.input_terminated`` set) and return the status code. The WSGI app is called
    directly: the test client would rebuild the environ and compute a length."""
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    cookie = client.get_cookie("bisik_sid")
    if cookie is not None:
        headers["Cookie"] = f"bisik_sid={cookie.value}"
    environ = EnvironBuilder(
        path=path,
        method="POST",
        input_stream=body,
        content_type=content_type,
        headers=list(headers.items()),
    ).get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ["wsgi.input_terminated"] = True
    _app_iter, status, _headers = run_wsgi_app(app, environ, buffered=True)
    return int(status.split()[0])


def _reviewer_keys(org: Org) -> list[Any]:
    return [kp.public.encryption for kp in org.reviewers.values()]


def _blob_files(home: Path) -> list[Path]:
    blobs = home / "blobs"
    return [p for p in blobs.rglob("*") if p.is_file() and p.parent.name != "tmp"]


def _case_count(app: Flask) -> int:
    return app.extensions["bisik"].vault.last_seq()


# -- F1: urlencoded bodies were read whole (up to the 4 GiB upload limit), even without session
def test_urlencoded_body_is_not_read_whole_before_csrf_check(client: FlaskClient) -> None:
    body = Counting(b"receipt=" + b"A" * (16 * MiB))
    r = client.post(
        "/followup",
        input_stream=body,
        content_type="application/x-www-form-urlencoded",
        headers={"Content-Length": str(len(body.getvalue()))},
    )
    assert r.status_code in (403, 413)
    assert body.consumed <= MiB


def test_chunked_urlencoded_body_is_refused_unread(app: Flask, client: FlaskClient) -> None:
    """No Content-Length (chunked through gunicorn): refused before a byte is read."""
    csrf = csrf_of(client, "/followup")
    body = Counting(f"csrf_token={csrf}&receipt=".encode() + b"A" * (16 * MiB))
    status = _chunked(app, client, "/followup", body, "application/x-www-form-urlencoded")
    assert status == 411
    assert body.consumed == 0


# -- F2: a JSON body without Content-Length was read up to the 4 GiB upload limit
def test_chunked_json_body_is_refused_unread(app: Flask, client: FlaskClient) -> None:
    csrf = csrf_of(client)
    body = Counting(b'{"lookup_id": "' + b"A" * (32 * MiB) + b'"}')
    status = _chunked(
        app, client, "/api/reports", body, "application/json", **{"X-CSRF-Token": csrf}
    )
    assert status == 411
    assert body.consumed == 0


def test_small_body_cap_holds_while_reading() -> None:
    """Defence in depth behind the 411: a body that is read is never read past its cap."""
    from werkzeug.test import EnvironBuilder

    from intake.bodies import FORM_MEMORY, BisikRequest

    for ctype, cap in (
        ("application/x-www-form-urlencoded", FORM_MEMORY),
        ("application/json", SMALL_BODY),
    ):
        body = Counting(b"a=" + b"b" * (2 * SMALL_BODY))
        environ = EnvironBuilder(method="POST", input_stream=body, content_type=ctype).get_environ()
        environ.pop("CONTENT_LENGTH", None)
        environ["wsgi.input_terminated"] = True
        request = BisikRequest(environ)
        assert len(request.get_data()) <= cap
        assert body.consumed <= cap


# -- F3: the multipart decoder buffered a preamble or a header block without bound
@pytest.mark.parametrize(
    "junk",
    [
        b"x" * (16 * MiB),  # no boundary ever: the preamble grows
        b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\nX-Pad: '
        + b"y" * (16 * MiB),  # a part whose headers never end
    ],
    ids=["preamble", "part-headers"],
)
def test_multipart_without_boundary_or_header_end_is_not_buffered(
    client: FlaskClient, app: Flask, junk: bytes
) -> None:
    csrf_of(client)  # a valid session: the streaming reader runs
    body = Counting(junk)
    r = client.post(
        "/submit",
        input_stream=body,
        content_type="multipart/form-data; boundary=b",
        headers={"Content-Length": str(len(junk))},
    )
    assert r.status_code == 400
    assert body.consumed <= 2 * MiB
    assert _case_count(app) == 0


# -- F4: streamed multipart views read the body even when no session (so no token) exists
def test_multipart_without_session_is_refused_before_reading(client: FlaskClient) -> None:
    payload = b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\nx\r\n' + (
        b"z" * (4 * MiB)
    )
    body = Counting(payload)
    r = client.post(
        "/submit",
        input_stream=body,
        content_type="multipart/form-data; boundary=b",
        headers={"Content-Length": str(len(payload))},
    )
    assert r.status_code == 403
    assert body.consumed == 0


# -- F5: nothing kept the disk from filling (uploads, pieces, no-JS bodies)
def _no_room(home: Path) -> int:
    return shutil.disk_usage(home).free + (1 << 40)


def test_upload_refused_when_disk_would_fill(
    make_app: Callable[..., Flask], home: Path, org: Org
) -> None:
    app = make_app()
    client = app.test_client()
    csrf = csrf_of(client)
    h = {"X-CSRF-Token": csrf}
    data = envelope.seal(os.urandom(5000), _reviewer_keys(org))
    start = client.post("/api/uploads", json={"size": len(data)}, headers=h)
    assert start.status_code == 201  # control: room enough with the default floor
    info = start.get_json()
    state = app.extensions["bisik"]
    state.config = cfg.with_overrides(state.config, min_free_bytes=_no_room(home))
    refused_start = client.post("/api/uploads", json={"size": len(data)}, headers=h)
    assert refused_start.status_code == 507
    piece = client.put(
        f"/api/uploads/{info['id']}?offset=0",
        data=data,
        headers={**h, "X-Upload-Token": info["token"]},
        content_type="application/octet-stream",
    )
    assert piece.status_code == 507
    offset = client.get(f"/api/uploads/{info['id']}", headers={"X-Upload-Token": info["token"]})
    assert offset.get_json()["offset"] == 0  # nothing of the refused piece was stored


def test_nojs_submit_refused_when_disk_would_fill(
    make_app: Callable[..., Flask], home: Path
) -> None:
    app = make_app(min_free_bytes=_no_room(home))
    client = app.test_client()
    data = with_files(report_fields(csrf_of(client)), {"evidence_1": (b"D" * 10_000, "a.jpg")})
    r = client.post("/submit", data=data, content_type="multipart/form-data")
    assert r.status_code == 507
    assert 'id="receipt"' not in r.get_data(as_text=True)
    assert _case_count(app) == 0
    assert _blob_files(home) == []


# -- F6: the server stored envelopes of sizes no writer can produce
def _upload(client: FlaskClient, csrf: str, data: bytes) -> Any:
    h = {"X-CSRF-Token": csrf}
    info = client.post("/api/uploads", json={"size": len(data)}, headers=h).get_json()
    tok = {**h, "X-Upload-Token": info["token"]}
    put = client.put(
        f"/api/uploads/{info['id']}?offset=0",
        data=data,
        headers=tok,
        content_type="application/octet-stream",
    )
    assert put.status_code == 200
    return client.post(f"/api/uploads/{info['id']}/finish", json={}, headers=tok)


@pytest.mark.parametrize("extra", [b"\x00", b"G" * 70_000])
def test_finish_refuses_envelope_with_impossible_length(
    client: FlaskClient, org: Org, home: Path, extra: bytes
) -> None:
    csrf = csrf_of(client)
    good = envelope.seal(os.urandom(3000), _reviewer_keys(org))
    done = _upload(client, csrf, good + extra)
    assert done.status_code == 422
    assert done.get_json()["error"] == "error.bad_envelope"
    assert _blob_files(home) == []  # refused bytes are not left in the store
    control = _upload(client, csrf, good)
    assert control.status_code == 200


def test_inline_report_with_impossible_length_creates_no_case(
    client: FlaskClient, app: Flask, org: Org
) -> None:
    csrf = csrf_of(client)
    secrets = receipt.derive(receipt.generate())
    report = envelope.seal(b'{"v":1}', _reviewer_keys(org)) + b"\x00\x00"
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
    assert _case_count(app) == 0


# -- F7: a multipart body to a plain-form view was a 500 (and an error log line)
def test_multipart_to_plain_form_view_is_a_client_error(client: FlaskClient) -> None:
    csrf = csrf_of(client, "/followup")
    r = client.post(
        "/receipt/qr",
        data={"receipt": receipt.display(receipt.generate())},
        headers={"X-CSRF-Token": csrf},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400


# -- F8: under gunicorn a no-JS upload that goes silent held a worker thread forever
@pytest.mark.slow
def test_silent_upload_releases_its_thread_under_gunicorn(home: Path) -> None:
    toml = home / "server.toml"
    toml.write_text("read_idle_seconds = 2\n" + toml.read_text("utf-8"), "utf-8")
    port = free_port()
    env = {
        **os.environ,
        "BISIK_HOME": str(home),
        "BISIK_LISTEN": f"127.0.0.1:{port}",
        "BISIK_WORKERS": "1",
        "BISIK_THREADS": "1",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen(
        [str(gunicorn), "-c", "python:intake.gunicorn_conf", "intake.wsgi:app"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(proc, port, timeout=30, what="gunicorn")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/submit")
        resp = conn.getresponse()
        page = resp.read().decode()
        cookie = (resp.getheader("Set-Cookie") or "").split(";")[0]
        token = page.split('name="csrf-token" content="')[1].split('"')[0]
        conn.close()
        first = (
            f'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        ).encode()
        silent = socket.create_connection(("127.0.0.1", port), timeout=20)
        silent.sendall(
            b"POST /submit HTTP/1.1\r\nHost: x\r\nCookie: "
            + cookie.encode()
            + b"\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            + b"Content-Length: 10000000\r\n\r\n"
            + first
        )
        started = time.monotonic()
        try:
            answer = silent.recv(4096)  # the server must give up on us: an answer or a close
        finally:
            silent.close()
        waited = time.monotonic() - started
        assert waited < 15
        assert answer == b"" or answer.startswith(b"HTTP/1.1 4")
        other = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        other.request("GET", "/")
        assert other.getresponse().status == 200  # the one thread is free again
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


# -- F9: the language cookie lasted a year (the session cookie two hours) on the device
def test_cookies_do_not_outlive_the_browser_session(client: FlaskClient) -> None:
    set_cookies = client.get("/").headers.getlist("Set-Cookie")
    set_cookies += client.get("/lang/en?next=/submit").headers.getlist("Set-Cookie")
    names = {c.split("=", 1)[0] for c in set_cookies}
    assert {"bisik_sid", "lang"} <= names
    for header in set_cookies:
        attrs = header.lower()
        assert "max-age" not in attrs and "expires" not in attrs


def test_expired_session_cookie_is_refused_server_side(
    make_app: Callable[..., Flask],
) -> None:
    """Without Max-Age the browser may keep the cookie; the server still ends the session."""
    from intake import security

    app = make_app()
    client = app.test_client()
    keys = security.SessionKeys.derive(app.extensions["bisik"].secrets.flask_key)
    sid, old = security.make_cookie(keys, 120, now=time.time() - 3 * 3600)
    client.set_cookie("bisik_sid", old)
    token = security.csrf_token_for(keys, sid)
    r = client.post("/followup", data={"csrf_token": token, "receipt": "x"})
    assert r.status_code == 403


# -- F10: the log file's mtime dated the last logged event (e.g. a refused submission)
def test_log_file_mtime_is_only_the_day(tmp_path: Path) -> None:
    import datetime as dt
    import logging

    from intake import logs

    path = tmp_path / "bisik.log"
    handler = logs.configure(str(path))
    try:
        logging.getLogger("bisik.intake").info("submission refused: %s", "error.malformed")
        handler.flush()
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    assert path.read_text()
    day = dt.datetime.now(dt.UTC).date()
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()
    assert path.stat().st_mtime == midnight


# -- F11: the no-JS follow-up trusted a reply blob's file name as the hash its record names
def test_nojs_reply_blob_swapped_on_disk_is_not_shown(
    client: FlaskClient, app: Flask, org: Org, home: Path
) -> None:
    from crypto import document, records
    from crypto.keys import load_x25519_public

    from .conftest import receipt_of, tr
    from .helpers import history_of

    data = report_fields(csrf_of(client))
    page = client.post("/submit", data=data, content_type="multipart/form-data")
    code = receipt_of(page.get_data(as_text=True))
    case_id = history_of(app, code).case.id
    vault = app.extensions["bisik"].vault
    reply_key = load_x25519_public(vault.case_info(case_id).reply_public)

    def sealed(text: str) -> bytes:
        doc = document.Document(
            type="reply", submitted_at=document.now(), channel="reviewer", fields={"text": text}
        )
        return envelope.seal(doc.to_bytes(), [reply_key])

    ref = vault.blobs.put_bytes(sealed("GENUINE-REPLY"))
    vault.add_reply(case_id, records.reply(org.reviewers["ani"].signing, case_id, ref.sha256), ref)
    # someone with the disk puts another envelope, sealed to the same reply key, in its place
    vault.blobs.path(ref.sha256).write_bytes(sealed("FORGED-REPLY"))
    html = client.post(
        "/followup", data={"csrf_token": csrf_of(client, "/followup"), "receipt": code}
    ).get_data(as_text=True)
    assert "FORGED-REPLY" not in html and "GENUINE-REPLY" not in html
    assert tr("id", "case.rejected", n=1) in html


# -- F12: a non-ASCII token, cookie or claim made hmac.compare_digest raise: 500 + error log
def test_non_ascii_tokens_are_refused_not_crashes(app: Flask, home: Path) -> None:
    client = app.test_client()
    token = csrf_of(client)
    assert client.post("/followup", data={"csrf_token": "é", "receipt": "x"}).status_code == 403
    r = client.post("/api/uploads", json={"size": 5}, headers={"X-CSRF-Token": "\xe9"})
    assert r.status_code == 403
    secrets = receipt.derive(receipt.generate())
    r = client.post(
        "/api/reports",
        json={
            "lookup_id": b64u_encode(secrets.lookup_id),
            "reply_public": b64u_encode(raw_public(secrets.reply_public)),
            "report": "AAAA",
            "evidence": [{"sha256": "0" * 64, "size": 1, "claim": "\u00e9\ud800"}],
        },
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 422
    other = app.test_client()
    other.set_cookie("bisik_sid", "a.1.\xe9")
    assert other.get("/").status_code == 200  # a bad cookie is replaced, not a crash
    assert "internal error" not in (home / "logs" / "bisik.log").read_text()
