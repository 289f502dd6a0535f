"""Hardening applied once, in the factory, to every response and every form.

* Response headers: a strict CSP (no inline script or style anywhere), no referrer,
  COOP/CORP same-origin, Permissions-Policy, ``Cache-Control: no-store``, nosniff.
* The session: an opaque cookie ``bisik_sid`` = random id, expiry minute and an HMAC over both
  under the Flask key. It holds no secret and nothing about the reporter; it only keys the
  per-session rate limits and the CSRF token (an HMAC of the id, so no server state).
  HttpOnly, SameSite=Strict, Path=/, Secure when the request is HTTPS; a browser-session
  cookie (no Max-Age: nothing lasts on disk after the browser closes) whose expiry minute,
  inside the authenticated value, the server enforces.
* CSRF: every state-changing request must carry the token — as the form field ``csrf_token``,
  or the ``X-CSRF-Token`` header (the JS API reads it from ``<meta name="csrf-token">``).
  Multipart bodies are checked by the streaming reader (the token is the first part).

Leaks: the cookie's expiry minute (to the reporter's own browser only).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from flask import Flask, Response, g, request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": (
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), display-capture=()"
    ),
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
COOKIE = "bisik_sid"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class SessionKeys:
    """Two keys derived from the Flask key: one authenticates cookies, one makes CSRF tokens."""

    cookie: bytes
    csrf: bytes

    @classmethod
    def derive(cls, flask_key: bytes) -> SessionKeys:
        """Derive both keys from the Flask secret key with labelled HMACs (one secret to keep)."""

        def sub(label: bytes) -> bytes:
            return hmac.new(flask_key, b"bisik/v1 " + label, hashlib.sha256).digest()

        return cls(sub(b"session-cookie"), sub(b"csrf-token"))


def same_text(given: str, expected: str) -> bool:
    """Constant-time equality of a client-supplied string and ours. Compared as UTF-8 bytes:
    ``hmac.compare_digest`` raises TypeError on non-ASCII ``str`` (a crafted cookie or token
    would be a 500 and an error-log line instead of a refusal)."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def _mac(key: bytes, text: str) -> str:
    return _b64(hmac.new(key, text.encode(), hashlib.sha256).digest()[:16])


def make_cookie(
    keys: SessionKeys, minutes: int, now: float | None = None, sid: str | None = None
) -> tuple[str, str]:
    """A session cookie: (session id, cookie value); a fresh random id unless ``sid`` given."""
    sid = sid or _b64(secrets.token_bytes(16))
    expiry = int((now or time.time()) // 60) + minutes
    body = f"{sid}.{expiry}"
    return sid, f"{body}.{_mac(keys.cookie, body)}"


def read_cookie(keys: SessionKeys, value: str | None, now: float | None = None) -> str | None:
    """The session id of a valid, unexpired cookie, else None."""
    if not value or not value.isascii() or value.count(".") != 2 or len(value) > 128:
        return None
    sid, expiry, mac = value.split(".")
    if not same_text(mac, _mac(keys.cookie, f"{sid}.{expiry}")):
        return None
    if not expiry.isdigit() or int(expiry) < (now or time.time()) // 60:
        return None
    return sid


def csrf_token_for(keys: SessionKeys, sid: str) -> str:
    """The CSRF token of a session: HMAC of its id, so nothing is stored server-side."""
    return _mac(keys.csrf, "csrf:" + sid)


def session_id() -> str:
    """This request's session id (a new one is issued with the response if needed)."""
    return str(g.bisik_sid)


def csrf_token() -> str:
    """Token for the forms and the meta tag of the page being rendered ("" outside a session,
    e.g. on an error page rendered before the session hook ran)."""
    keys: SessionKeys | None = g.get("bisik_session_keys")
    if keys is None or not g.get("bisik_sid"):
        return ""
    return csrf_token_for(keys, session_id())


def csrf_ok(token: str | None) -> bool:
    """Whether ``token`` is this session's CSRF token (constant-time; false without a session)."""
    if not token or not g.get("bisik_sid_valid"):
        return False
    return same_text(token, csrf_token())


def install(app: Flask, keys: SessionKeys, session_minutes: int) -> None:
    """Attach session, CSRF and header handling to ``app``."""

    @app.before_request
    def _session() -> None:
        g.bisik_session_keys = keys
        sid = read_cookie(keys, request.cookies.get(COOKIE))
        g.bisik_sid_valid = sid is not None
        if sid is None:
            sid, g.bisik_new_cookie = make_cookie(keys, session_minutes)
        elif request.method == "GET":  # sliding expiry while the reporter reads and writes
            _, g.bisik_new_cookie = make_cookie(keys, session_minutes, sid=sid)
        g.bisik_sid = sid

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers[name] = value
        new = g.get("bisik_new_cookie")
        if new:
            response.set_cookie(  # no Max-Age: gone with the browser; expiry is in the value
                COOKIE,
                new,
                path="/",
                httponly=True,
                samesite="Strict",
                secure=request.is_secure,
            )
        return response


def check_csrf_header_or_form() -> bool:
    """CSRF for non-multipart requests: the header, else the urlencoded form field."""
    token = request.headers.get(CSRF_HEADER)
    if token is None and request.mimetype == "application/x-www-form-urlencoded":
        token = request.form.get(CSRF_FIELD)
    return csrf_ok(token)
