"""Audit U4: reloading the no-JavaScript receipt page re-sends the form's POST; that must not
create a second case or show a second receipt.

The submit page carries a single-use token (intake/form_tokens.py); the server remembers keyed
hashes of used tokens in the limiter's storage (memory:// or Redis, shared by workers).
"""

from __future__ import annotations

import http.client
import re
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from limits.storage import MemoryStorage, RedisStorage

from crypto import receipt
from intake import form_tokens, security
from tests.servers import IntakeNode, clean_env

from .conftest import RECEIPT_RE, csrf_of, receipt_of, tr
from .helpers import report_fields, with_files

REDIS = "redis://127.0.0.1:6379"
TOKEN_RE = re.compile(r'name="submission" value="([0-9a-f]{32})"')


def _form(client: FlaskClient, **changes: Any) -> dict[str, Any]:
    """Open the submit page as a browser would; the form with its csrf and single-use token."""
    page = client.get("/submit").get_data(as_text=True)
    match = TOKEN_RE.search(page)
    assert match, "the submit page carries no submission token"
    csrf = csrf_of(client)  # same session: the same csrf token the page carried
    return report_fields(csrf, submission=match.group(1), **changes)


def _post(client: FlaskClient, data: dict[str, Any], files: bool = True) -> Any:
    body = dict(data)
    if files:  # a fresh stream each time, as the browser re-sends the file too
        body = with_files(body, {"evidence_1": (b"bukti " * 2000, "foto.jpg")})
    return client.post("/submit", data=body, content_type="multipart/form-data")


def _cases(app: Flask) -> int:
    home = app.extensions["bisik"].config.home
    with sqlite3.connect(home / "bisik.sqlite") as db:
        return int(db.execute("SELECT count(*) FROM cases").fetchone()[0])


def _blobs(app: Flask) -> int:
    root = app.extensions["bisik"].vault.blobs.root
    return sum(1 for p in root.rglob("*") if p.is_file() and len(p.name) == 64)


def test_reloading_nojs_receipt_page_creates_no_second_case(
    client: FlaskClient, app: Flask
) -> None:
    form = _form(client)
    first = _post(client, form)
    assert first.status_code == 200
    code = receipt_of(first.get_data(as_text=True))
    assert receipt.normalize(code)
    cases, blobs = _cases(app), _blobs(app)
    assert cases == 1

    again = _post(client, form)  # the browser's "resend the form?" after a reload
    html = again.get_data(as_text=True)
    assert again.status_code == 409
    assert RECEIPT_RE.search(html) is None  # no second receipt
    assert code not in html  # and the first one is not shown either (it is not kept)
    assert tr("id", "sent.title") in html and tr("id", "sent.cannot_show") in html
    assert (_cases(app), _blobs(app)) == (cases, blobs)  # nothing created, nothing left over

    third = _post(client, form)  # a third reload: still the same answer
    assert third.status_code == 409 and _cases(app) == 1


def test_repeated_form_page_speaks_the_reporters_language(client: FlaskClient, app: Flask) -> None:
    client.get("/lang/en")
    form = _form(client)
    assert _post(client, form).status_code == 200
    html = _post(client, form).get_data(as_text=True)
    assert tr("en", "sent.title") in html and tr("id", "sent.title") not in html


def test_each_opening_of_the_form_is_a_new_report(client: FlaskClient, app: Flask) -> None:
    # two reports from the same session (the form opened twice) are two cases, two receipts
    a, b = _post(client, _form(client)), _post(client, _form(client))
    assert a.status_code == b.status_code == 200
    assert receipt_of(a.get_data(as_text=True)) != receipt_of(b.get_data(as_text=True))
    assert _cases(app) == 2


def test_refused_submission_does_not_use_up_the_token(client: FlaskClient, app: Flask) -> None:
    form = _form(client)
    bad = _post(client, {**form, "category": "no-such-category"})
    assert bad.status_code == 400 and _cases(app) == 0
    good = _post(client, form)  # the reporter fixes the form and sends it again
    assert good.status_code == 200 and _cases(app) == 1


def test_store_failure_releases_the_token(
    client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    form = _form(client)
    vault = app.extensions["bisik"].vault
    real = vault.create_case

    def broken(**kwargs: Any) -> Any:
        raise OSError("disk gone")

    monkeypatch.setattr(vault, "create_case", broken)
    assert _post(client, form).status_code == 500 and _cases(app) == 0
    monkeypatch.setattr(vault, "create_case", real)
    assert _post(client, form).status_code == 200 and _cases(app) == 1


@pytest.mark.parametrize("token", ["0" * 31, "G" * 32, "0" * 32 + "\n", "x"])
def test_malformed_submission_token_is_refused(client: FlaskClient, app: Flask, token: str) -> None:
    form = {**_form(client), "submission": token}
    assert _post(client, form).status_code == 400 and _cases(app) == 0


def test_form_without_token_still_submits(client: FlaskClient, app: Flask) -> None:
    # e.g. a page cached before the token existed: accepted, just without reload protection
    assert _post(client, report_fields(csrf_of(client))).status_code == 200
    assert _cases(app) == 1


def test_repeated_form_is_caught_across_workers_with_redis(
    make_app: Callable[..., Flask],
) -> None:
    # two app instances on one home = two gunicorn workers: only Redis is shared between them
    worker_a, worker_b = make_app(limiter_storage=REDIS), make_app(limiter_storage=REDIS)
    client_a = worker_a.test_client()
    form = _form(client_a)
    assert _post(client_a, form).status_code == 200
    client_b = worker_b.test_client()
    session = client_a.get_cookie(security.COOKIE)  # the same browser; this request lands on B
    assert session is not None
    client_b.set_cookie(session.key, session.value)
    again = _post(client_b, form)
    assert again.status_code == 409 and _cases(worker_b) == 1
    worker_a.extensions["bisik_form_tokens"].release(form["submission"])  # leave Redis clean


def _from_midnight(t: float) -> float:
    """Seconds between ``t`` (epoch) and the nearest UTC midnight."""
    return abs((t + form_tokens.DAY / 2) % form_tokens.DAY - form_tokens.DAY / 2)


def _race(tokens: list[form_tokens.UsedTokens], token: str) -> list[bool]:
    results: list[bool] = []
    lock, start = threading.Lock(), threading.Barrier(len(tokens))

    def run(t: form_tokens.UsedTokens) -> None:
        start.wait()
        won = t.claim(token)
        with lock:
            results.append(won)

    threads = [threading.Thread(target=run, args=(t,)) for t in tokens]
    for th in threads:
        th.start()
    for th in threads:
        th.join(10)
    return results


def test_simultaneous_claims_have_one_winner_in_memory() -> None:
    tokens = form_tokens.UsedTokens.derive(MemoryStorage(), b"k" * 32)
    token = form_tokens.issue()
    assert sorted(_race([tokens] * 8, token)) == [False] * 7 + [True]
    assert tokens.used(token) and not tokens.used(form_tokens.issue())


def test_simultaneous_claims_have_one_winner_across_redis_clients() -> None:
    workers = [form_tokens.UsedTokens.derive(RedisStorage(REDIS), b"k" * 32) for _ in range(4)]
    token = form_tokens.issue()
    try:
        assert sorted(_race(workers, token)) == [False] * 3 + [True]
        r = redis.Redis.from_url(REDIS)
        stored = list(r.scan_iter("*bisik-once*"))
        assert stored and all(token.encode() not in k for k in stored)  # only a keyed hash
        for k in stored:  # each expires at a UTC midnight: no key dates a report to the second
            assert _from_midnight(r.pexpiretime(k) / 1000) < 1.5  # within the clocks' rounding
    finally:
        workers[0].release(token)


def test_used_token_names_depend_on_the_server_secret() -> None:
    token = form_tokens.issue()
    a = form_tokens.UsedTokens.derive(MemoryStorage(), b"a" * 32)
    b = form_tokens.UsedTokens.derive(MemoryStorage(), b"b" * 32)
    assert a._name(token) != b._name(token) and token not in a._name(token)


@pytest.mark.parametrize("now", [0.0, 1.0, 86399.5, 1_790_000_123.25, 1_790_035_999.999])
def test_used_tokens_expire_at_a_midnight_not_at_use_plus_a_delay(now: float) -> None:
    tokens = form_tokens.UsedTokens(MemoryStorage(), b"k" * 32, clock=lambda: now)
    end = now + tokens.expiry()
    assert _from_midnight(end) <= 1
    assert form_tokens.DAY < end - now <= 2 * form_tokens.DAY  # remembered 24 to 48 hours


@pytest.mark.slow
def test_repeated_form_is_caught_across_gunicorn_processes_with_redis(home: Path) -> None:
    # two gunicorn processes on one home (two workers, or two servers behind one onion
    # address): the first takes the report, the reload lands on the other, Redis is shared
    env = clean_env() | {"BISIK_LIMITER_STORAGE": REDIS}
    with (
        IntakeNode("first", home, env, threads=2) as first,
        IntakeNode("second", home, env, threads=2) as second,
    ):
        ports = [first.port, second.port]
        conn = http.client.HTTPConnection("127.0.0.1", ports[0], timeout=30)
        conn.request("GET", "/submit")
        resp = conn.getresponse()
        page = resp.read().decode()
        cookie = (resp.getheader("Set-Cookie") or "").split(";")[0]
        csrf = page.split('name="csrf-token" content="')[1].split('"')[0]
        match = TOKEN_RE.search(page)
        assert match
        body, ctype = _multipart(report_fields(csrf, submission=match.group(1)))
        statuses = []
        for port in ports + ports:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request(
                "POST", "/submit", body=body, headers={"Content-Type": ctype, "Cookie": cookie}
            )
            r = c.getresponse()
            r.read()
            statuses.append(r.status)
            c.close()
    assert statuses == [200, 409, 409, 409]
    with sqlite3.connect(home / "bisik.sqlite") as db:
        assert db.execute("SELECT count(*) FROM cases").fetchone()[0] == 1


def _multipart(fields: dict[str, Any]) -> tuple[bytes, str]:
    boundary = "u4Boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, vs in fields.items()
        for v in (vs if isinstance(vs, list) else [vs])
    ]
    return (
        "".join(parts) + f"--{boundary}--\r\n"
    ).encode(), f"multipart/form-data; boundary={boundary}"
