"""The no-JS receipt page keeps the receipt until the reporter shows it is written down.

Issue 10 item 6: a reporter who taps "English" or a menu link on the receipt page must not lose
the receipt. The page has no menu and no plain link away; the language switch posts the receipt
back and shows the same receipt in the other language; the only exit is typing the receipt's
last group. The page also states the retention rule with the configured number of days.

The promise: docs/THREAT_MODEL.md P11, the receipt is never lost to a stray click.
"""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from crypto import receipt

from ..conftest import csrf_of, receipt_of, tr
from ..helpers import report_fields, with_files


def _submit(client: FlaskClient) -> tuple[str, str]:
    data = with_files(report_fields(csrf_of(client)), {})
    resp = client.post("/submit", data=data, content_type="multipart/form-data")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    return html, receipt_of(html)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _post(client: FlaskClient, path: str, html: str, code: str, **fields: str) -> TestResponse:
    """POST what the receipt page's forms post (CSRF token, receipt, channel) plus ``fields``."""
    data = {"csrf_token": _csrf(html), "receipt": code, "channel": "server", **fields}
    return client.post(path, data=data)


def _links(html: str) -> list[str]:
    """Links that leave the page (the skip link to #main stays on it)."""
    return [h for h in re.findall(r"<a [^>]*href=\"([^\"]+)\"", html) if not h.startswith("#")]


def test_receipt_page_has_no_way_out_but_the_confirmation(client: FlaskClient, app: Flask) -> None:
    html, _ = _submit(client)
    assert _links(html) == []  # no menu, no language link, no brand link: nothing loses it
    assert 'action="/receipt/done"' in html and 'action="/receipt/language"' in html
    days = app.extensions["bisik"].config.retention_days
    assert tr("id", "retention.rule", days=days) in html


def test_language_switch_keeps_the_receipt(client: FlaskClient) -> None:
    html, code = _submit(client)
    resp = _post(client, "/receipt/language", html, code, lang="en")
    assert resp.status_code == 200
    english = resp.get_data(as_text=True)
    assert receipt_of(english) == code
    assert tr("en", "receipt.title") in english and tr("en", "receipt.path_server") in english
    assert "lang=en" in resp.headers["Set-Cookie"] and "Expires" not in resp.headers["Set-Cookie"]
    # …and the next page the reporter opens speaks English too.
    assert tr("en", "nav.submit") in client.get("/").get_data(as_text=True)


def test_wrong_last_group_shows_the_receipt_again(client: FlaskClient) -> None:
    html, code = _submit(client)
    last = code.rsplit("-", 1)[1]
    wrong = "0000" if last != "0000" else "1111"
    resp = _post(client, "/receipt/done", html, code, last_group=wrong)
    assert resp.status_code == 422
    again = resp.get_data(as_text=True)
    assert receipt_of(again) == code
    assert tr("id", "receipt.confirm_wrong") in again


def test_last_group_typed_as_people_type_lets_the_reporter_leave(client: FlaskClient) -> None:
    html, code = _submit(client)
    typed = code.rsplit("-", 1)[1].lower().replace("0", "o").replace("1", "l")
    resp = _post(client, "/receipt/done", html, code, last_group=typed)
    assert resp.status_code == 200
    done = resp.get_data(as_text=True)
    assert tr("id", "receipt.done_title") in done
    assert code not in done  # the receipt is not repeated once it is written down
    assert "/followup" in _links(done)


def test_receipt_routes_refuse_a_forged_receipt_and_need_csrf(client: FlaskClient) -> None:
    html, code = _submit(client)
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")  # check symbols no longer match
    with_bad = {"csrf_token": _csrf(html), "receipt": bad, "channel": "server", "lang": "en"}
    assert client.post("/receipt/language", data=with_bad).status_code == 400
    no_csrf = {"receipt": code, "channel": "server", "last_group": code[-4:]}
    assert client.post("/receipt/done", data=no_csrf).status_code in (400, 403)
    assert receipt.normalize(code)
