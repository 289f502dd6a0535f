"""The pages (``intake.views.pages``): every page renders in both languages with the hardening
headers; CSRF is enforced."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from intake import i18n
from intake.security import CSP

from ..conftest import csrf_of, tr

PAGES = ["/", "/submit", "/followup"]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_page_renders_in_language(client: FlaskClient, path: str, lang: str) -> None:
    client.set_cookie(i18n.COOKIE, lang)
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert tr(lang, "nav.submit") in html
    other = "en" if lang == "id" else "id"
    assert tr(other, "landing.start") not in html or path != "/"


def test_indonesian_is_default(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert tr("id", "landing.title") in html


def test_language_switch_sets_only_language_cookie(client: FlaskClient) -> None:
    resp = client.get("/lang/en?next=/submit")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/submit")
    cookie = [h for h in resp.headers.getlist("Set-Cookie") if h.startswith("lang=")]
    assert cookie and cookie[0].startswith("lang=en;")
    assert tr("en", "submit.title") in client.get("/submit").get_data(as_text=True)


def test_language_switch_refuses_foreign_redirect(client: FlaskClient) -> None:
    resp = client.get("/lang/en?next=https://evil.example/")
    assert resp.headers["Location"].endswith("/") and "evil" not in resp.headers["Location"]


@pytest.mark.parametrize("path", [*PAGES, "/nope", "/directory.json"])
def test_security_headers(client: FlaskClient, path: str) -> None:
    resp = client.get(path)
    h = resp.headers
    assert h["Content-Security-Policy"] == CSP
    assert h["Referrer-Policy"] == "no-referrer"
    assert h["Cross-Origin-Opener-Policy"] == "same-origin"
    assert h["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in h["Permissions-Policy"]
    assert h["Cache-Control"] == "no-store"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert "Server" not in h or not re.search(r"\d", h["Server"])


def test_session_cookie_is_opaque_strict_httponly(client: FlaskClient) -> None:
    resp = client.get("/")
    sid = [h for h in resp.headers.getlist("Set-Cookie") if h.startswith("bisik_sid=")]
    assert sid
    attrs = sid[0].lower()
    assert "httponly" in attrs and "samesite=strict" in attrs
    assert "max-age=" not in attrs and "expires=" not in attrs  # a browser-session cookie
    value = sid[0].split(";")[0].split("=", 1)[1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}\.\d+\.[A-Za-z0-9_-]{22}", value)


def test_no_inline_script_or_style(client: FlaskClient) -> None:
    for path in PAGES:
        html = client.get(path).get_data(as_text=True)
        assert "<style" not in html and " style=" not in html
        assert not re.search(r"<script(?![^>]*\ssrc=)", html)
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html)  # no event-handler attributes


def test_csrf_rejects_missing_and_wrong_tokens(client: FlaskClient) -> None:
    token = csrf_of(client, "/followup")
    assert client.post("/followup", data={"receipt": "x"}).status_code == 403
    bad = client.post("/followup", data={"csrf_token": token[:-2] + "AA", "receipt": "x"})
    assert bad.status_code == 403
    ok = client.post("/followup", data={"csrf_token": token, "receipt": "x"})
    assert ok.status_code == 400  # a typo, but the token was accepted


def test_csrf_token_is_bound_to_the_session(client: FlaskClient, app) -> None:  # type: ignore[no-untyped-def]
    token = csrf_of(client, "/followup")
    other = app.test_client()
    other.get("/")
    assert other.post("/followup", data={"csrf_token": token, "receipt": "x"}).status_code == 403


def test_multipart_post_without_csrf_first_is_refused(client: FlaskClient) -> None:
    csrf_of(client)
    resp = client.post("/submit", data={"category": "other"}, content_type="multipart/form-data")
    assert resp.status_code == 403


def test_directory_is_served_as_signed(client: FlaskClient, home) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/directory.json").data == (home / "org" / "directory.json").read_bytes()


def test_error_page_is_generic_and_translated(client: FlaskClient) -> None:
    client.set_cookie(i18n.COOKIE, "en")
    resp = client.get("/does-not-exist")
    assert resp.status_code == 404
    assert tr("en", "error.http_404") in resp.get_data(as_text=True)


def test_expired_directory_stops_intake_with_503(client: FlaskClient, home, org) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from crypto.directory import sign_directory
    from intake.home import server_public

    today = dt.datetime.now(dt.UTC).date()
    old = sign_directory(
        org.root, "Org", 3, today - dt.timedelta(days=1), org.entries(today), server_public(home)
    )
    (home / "org" / "directory.json").write_bytes(old)
    client.set_cookie(i18n.COOKIE, "en")
    for path in ("/", "/submit"):
        resp = client.get(path)
        assert resp.status_code == 503
        assert tr("en", "error.unavailable") in resp.get_data(as_text=True)
