"""Sessions and CSRF (``intake.security``): cookies that end with the browser session, a
session the server ends itself, and tokens compared without crashing on any input.

Regressions of the intake audit (docs/AUDIT-intake.md), each named by its finding id.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crypto import receipt
from crypto.encoding import b64u_encode
from crypto.keys import raw_public
from intake import security

from .conftest import csrf_of

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_cookies_do_not_outlive_the_browser_session(client: FlaskClient) -> None:
    """F9: the language cookie lasted a year (the session cookie two hours) on the device."""
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
    """F9: without Max-Age the browser may keep the cookie; the server still ends the session."""
    app = make_app()
    client = app.test_client()
    keys = security.SessionKeys.derive(app.extensions["bisik"].secrets.flask_key)
    sid, old = security.make_cookie(keys, 120, now=time.time() - 3 * 3600)
    client.set_cookie("bisik_sid", old)
    token = security.csrf_token_for(keys, sid)
    r = client.post("/followup", data={"csrf_token": token, "receipt": "x"})
    assert r.status_code == 403


def test_non_ascii_tokens_are_refused_not_crashes(app: Flask, home: Path) -> None:
    """F12: a non-ASCII token, cookie or claim made hmac.compare_digest raise: 500 + error log."""
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
