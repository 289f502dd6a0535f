"""A Tor2web gateway (``X-Tor2web`` header) gets the use-Tor-Browser page on every route."""

from __future__ import annotations

from flask.testing import FlaskClient

from .conftest import csrf_of, tr

GATEWAY = {"X-Tor2web": "encrypted"}


def test_every_route_refused_in_indonesian_first(client: FlaskClient) -> None:
    for path in ("/", "/submit", "/followup", "/directory.json", "/no-such-page"):
        resp = client.get(path, headers=GATEWAY)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 403, path
        assert tr("id", "tor2web.title") in html and tr("id", "tor2web.lead") in html
        assert 'id="report-form"' not in html and 'id="followup-form"' not in html
        assert resp.headers["Content-Security-Policy"]  # the usual hardening still applies


def test_post_gets_the_page_too(client: FlaskClient) -> None:
    token = csrf_of(client)
    resp = client.post("/submit", data={"csrf_token": token}, headers=GATEWAY)
    assert resp.status_code == 403
    assert tr("id", "tor2web.title") in resp.get_data(as_text=True)


def test_page_follows_the_language_cookie(client: FlaskClient) -> None:
    client.set_cookie("lang", "en")
    html = client.get("/submit", headers=GATEWAY).get_data(as_text=True)
    assert tr("en", "tor2web.title") in html


def test_without_the_header_the_form_is_served(client: FlaskClient) -> None:
    assert 'id="report-form"' in client.get("/submit").get_data(as_text=True)
