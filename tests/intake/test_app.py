"""The factory's request guards (``intake.app``): a body of unstated length and a streamed
multipart body without a session are refused before a byte of them is read.

Regressions of the intake audit (docs/AUDIT-intake.md), each named by its finding id.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import EnvironBuilder, run_wsgi_app

from .conftest import Counting, csrf_of, post_counting

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

MiB = 1 << 20


def _chunked(
    app: Flask, client: FlaskClient, path: str, body: Counting, content_type: str, **headers: str
) -> int:
    """POST ``body`` the way gunicorn passes a chunked request (no CONTENT_LENGTH in the
    environ, ``wsgi.input_terminated`` set) and return the status code. The WSGI app is called
    directly: the test client would rebuild the environ and compute a length."""
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


def test_chunked_urlencoded_body_is_refused_unread(app: Flask, client: FlaskClient) -> None:
    """F1: urlencoded bodies were read whole; with no Content-Length (chunked through
    gunicorn) one is now refused before a byte is read."""
    csrf = csrf_of(client, "/followup")
    body = Counting(f"csrf_token={csrf}&receipt=".encode() + b"A" * (16 * MiB))
    status = _chunked(app, client, "/followup", body, "application/x-www-form-urlencoded")
    assert status == 411
    assert body.consumed == 0


def test_chunked_json_body_is_refused_unread(app: Flask, client: FlaskClient) -> None:
    """F2: a JSON body without Content-Length was read up to the 4 GiB upload limit."""
    csrf = csrf_of(client)
    body = Counting(b'{"lookup_id": "' + b"A" * (32 * MiB) + b'"}')
    status = _chunked(
        app, client, "/api/reports", body, "application/json", **{"X-CSRF-Token": csrf}
    )
    assert status == 411
    assert body.consumed == 0


def test_multipart_without_session_is_refused_before_reading(client: FlaskClient) -> None:
    """F4: streamed multipart views read the body even when no session (so no token) exists."""
    payload = b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\nx\r\n' + (
        b"z" * (4 * MiB)
    )
    r, body = post_counting(client, "/submit", payload, "multipart/form-data; boundary=b")
    assert r.status_code == 403
    assert body.consumed == 0
