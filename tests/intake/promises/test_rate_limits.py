"""Rate limits keyed by session and by a global budget — never by the client's address.

Every receipt check spends the one receipt budget and is padded to the same floor (issue 8:
the two follow-up message routes answered known/unknown receipt outside it). A guesser who used
the message routes (no-JS ``/followup/message``, JSON ``/api/case/message``) got the upload or
submission budget — ten times the receipt budget — as a cheaper oracle of which codes exist.

The promise: docs/THREAT_MODEL.md P8 (every receipt check spends the one receipt budget;
guesses cannot lock a reporter out) and intake/README.md, "Slow clients and budgets".
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crypto import receipt
from crypto.encoding import b64u_encode
from intake import i18n
from intake.config import Limits

from ..conftest import csrf_of, receipt_of, tr
from ..helpers import report_fields, with_files


def _try(client: FlaskClient, token: str, addr: str = "10.0.0.1") -> int:
    return client.post(
        "/followup",
        data={"csrf_token": token, "receipt": receipt.generate()},
        environ_base={"REMOTE_ADDR": addr},
    ).status_code


def test_receipt_attempts_per_session(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(limits=Limits(receipt_session="3/hour"))
    client = app.test_client()
    client.set_cookie(i18n.COOKIE, "en")
    token = csrf_of(client, "/followup")
    # changing the address does not reset the budget: it is not the key
    assert [_try(client, token, f"10.0.0.{i}") for i in range(3)] == [404, 404, 404]
    resp = client.post("/followup", data={"csrf_token": token, "receipt": receipt.generate()})
    assert resp.status_code == 429
    assert tr("en", "error.http_429") in resp.get_data(as_text=True)
    other = app.test_client()  # a new session has its own budget
    assert _try(other, csrf_of(other, "/followup")) == 404


def test_global_budget_trips_across_sessions(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(limits=Limits(receipt_global="4/hour"))
    codes = []
    for _ in range(5):
        client = app.test_client()
        codes.append(_try(client, csrf_of(client, "/followup")))
    assert codes == [404, 404, 404, 404, 429]


def test_submissions_are_limited_per_session(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(limits=Limits(submit_session="1/hour"))
    client = app.test_client()
    token = csrf_of(client)
    first = client.post("/submit", data={"csrf_token": token}, content_type="multipart/form-data")
    assert first.status_code == 400  # counted, then refused as incomplete
    second = client.post("/submit", data={"csrf_token": token}, content_type="multipart/form-data")
    assert second.status_code == 429


def test_guesses_cannot_lock_a_valid_receipt_out(make_app) -> None:  # type: ignore[no-untyped-def]
    """Issue 8: the global receipt budget counts unknown receipts only. A flood of guesses
    from many sessions spends it; the reporter with a real receipt is still answered (no-JS
    page and JSON API), and the guessers get 429 from then on."""
    app = make_app(limits=Limits(receipt_global="5/hour"))
    reporter = app.test_client()
    data = report_fields(csrf_of(reporter))
    sent = reporter.post("/submit", data=data, content_type="multipart/form-data")
    code = receipt_of(sent.get_data(as_text=True))
    for _ in range(5):  # the guesses, each from a fresh session
        guesser = app.test_client()
        assert _try(guesser, csrf_of(guesser, "/followup")) == 404
    late = app.test_client()
    assert _try(late, csrf_of(late, "/followup")) == 429  # the guess budget is spent

    opened = reporter.post(
        "/followup", data={"csrf_token": csrf_of(reporter, "/followup"), "receipt": code}
    )
    assert opened.status_code == 200  # the real receipt still opens its case
    lookup_id = b64u_encode(receipt.derive(code).lookup_id)
    token = csrf_of(reporter, "/submit")
    found = reporter.post(
        "/api/case", json={"lookup_id": lookup_id}, headers={"X-CSRF-Token": token}
    )
    assert found.status_code == 200
    unknown = reporter.post(
        "/api/case", json={"lookup_id": b64u_encode(bytes(32))}, headers={"X-CSRF-Token": token}
    )
    assert unknown.status_code == 429 and unknown.get_json()["error"] == "error.rate_limited"


Guess = Callable[[FlaskClient, str], int]


def _nojs_message(client: FlaskClient, code: str) -> int:
    data = {
        "csrf_token": csrf_of(client, "/followup"),
        "receipt": code,
        "kind": "message",
        "text": "halo",
        "evidence_1": (io.BytesIO(b"x" * 100), "x.txt"),
    }
    resp = client.post("/followup/message", data=data, content_type="multipart/form-data")
    return resp.status_code


def _api_message(client: FlaskClient, code: str) -> int:
    body = {
        "lookup_id": b64u_encode(receipt.derive(code).lookup_id),
        "kind": "message",
        "envelope": "",
        "evidence": [],
    }
    headers = {"X-CSRF-Token": csrf_of(client, "/followup")}
    return client.post("/api/case/message", json=body, headers=headers).status_code


def _followup(client: FlaskClient, code: str) -> int:
    data = {"csrf_token": csrf_of(client, "/followup"), "receipt": code}
    return client.post("/followup", data=data).status_code


MESSAGE_ROUTES = pytest.mark.parametrize(
    "message", [_nojs_message, _api_message], ids=["nojs-message", "api-message"]
)


@MESSAGE_ROUTES
def test_message_routes_spend_the_session_receipt_budget(
    make_app: Callable[..., Flask], message: Guess
) -> None:
    app = make_app(limits=Limits(receipt_session="3/hour"))
    client = app.test_client()
    guesses = [message(client, receipt.generate()) for _ in range(2)]
    guesses.append(_followup(client, receipt.generate()))
    assert guesses == [404, 404, 404]
    # the budget is one: spent on the message route, it is spent for the page too, and back
    assert _followup(client, receipt.generate()) == 429
    assert message(client, receipt.generate()) == 429


@MESSAGE_ROUTES
def test_message_routes_spend_the_global_receipt_budget(
    make_app: Callable[..., Flask], message: Guess
) -> None:
    app = make_app(limits=Limits(receipt_global="2/hour"))
    answers = []
    for _ in range(3):  # a fresh session each time: only the global budget can stop this
        answers.append(message(app.test_client(), receipt.generate()))
    assert answers == [404, 404, 429]


@MESSAGE_ROUTES
def test_message_routes_pad_known_and_unknown_receipts_to_the_floor(
    make_app: Callable[..., Flask], message: Guess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No clock is read here: the test records the padding each lookup asks for."""
    app = make_app(receipt_floor_ms=60_000)
    client = app.test_client()
    data = with_files(report_fields(csrf_of(client)), {"evidence_1": (b"photo", "p.jpg")})
    known = receipt_of(client.post("/submit", data=data).get_data(as_text=True))
    pads: list[float] = []

    def record(seconds: float) -> None:
        pads.append(seconds)

    monkeypatch.setattr("time.sleep", record)
    for code in (known, receipt.generate()):
        pads.clear()
        message(client, code)
        assert pads and max(pads) > 50, "the lookup was not padded to the receipt floor"


def test_every_receipt_endpoint_is_in_the_receipt_budget() -> None:
    from intake.ratelimit import BUDGETS, RECEIPT

    receipt_checks = {
        "followup.followup_post",
        "followup.proof_download",
        "followup.message",
        "api.cases.case",
        "api.cases.case_proof",
        "api.cases.case_message",
    }
    spending: set[Any] = {e for e, (_, budgets) in BUDGETS.items() if RECEIPT in budgets}
    assert spending == receipt_checks
