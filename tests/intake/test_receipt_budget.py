"""Every receipt check spends the one receipt budget and is padded to the same floor
(issue 8: the two follow-up message routes answered known/unknown receipt outside it).

A guesser who used the message routes (no-JS ``/followup/message``, JSON
``/api/case/message``) got the upload or submission budget — ten times the receipt budget —
as a cheaper oracle of which codes exist.
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
from intake.config import Limits

from .conftest import csrf_of, receipt_of
from .helpers import report_fields, with_files

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
