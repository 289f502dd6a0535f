"""Consent changed later from the follow-up page without JavaScript (crypto/SPEC.md §14)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from crypto import consent, followup
from crypto.keys import load_ed25519_public

from .conftest import Org, csrf_of, receipt_of, tr
from .helpers import history_of, open_blob, report_fields, with_files


def _submit(client: FlaskClient) -> str:
    data = with_files(report_fields(csrf_of(client)), {"evidence_1": (b"photo", "p.jpg")})
    return receipt_of(client.post("/submit", data=data).get_data(as_text=True))


def _post(client: FlaskClient, code: str, **choices: str):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf_of(client, "/followup"), "receipt": code, **choices}
    return client.post("/followup/consent", data=data)


def test_grant_and_withdraw_are_sealed_signed_and_dated(
    client: FlaskClient, app: Flask, org: Org
) -> None:
    code = _submit(client)
    hist = history_of(app, code)
    photo = hist.entries[0].evidence[0].sha256
    page = client.post(
        "/followup", data={"csrf_token": csrf_of(client, "/followup"), "receipt": code}
    ).get_data(as_text=True)
    assert 'id="consent-form"' in page and f'name="evidence_{photo}"' in page
    assert "p.jpg" not in page  # the server has no file names to show

    resp = _post(
        client,
        code,
        authority_lpsk="grant",
        authority_bawaslu="withdraw",
        **{f"evidence_{photo}": "withdraw"},
    )
    assert resp.status_code == 200
    assert tr("id", "notice.sent_consent") in resp.get_data(as_text=True)
    (item,) = [e for e in history_of(app, code).entries if e.kind == "consent"]
    assert item.evidence == () and item.day is not None
    change = consent.parse(open_blob(app, item.blob.sha256, org.reviewers["ani"]))
    assert change.authorities == {"lpsk": True, "bawaslu": False}
    assert change.evidence == {photo: False}
    assert change.seq == 1  # the case's first change (SPEC §14.3)
    _post(client, code, authority_lpsk="withdraw")
    second = [e for e in history_of(app, code).entries if e.kind == "consent"][1]
    assert consent.parse(open_blob(app, second.blob.sha256, org.reviewers["ani"])).seq == 2
    # signed with the receipt's follow-up key, like every reporter item (SPEC §12)
    assert item.record is not None
    followup.verify(
        item.record,
        load_ed25519_public(hist.case.followup_public),
        hist.case.id,
        "consent",
        item.blob.sha256,
        [],
    )


def test_nothing_changed_or_a_bad_value_stores_nothing(client: FlaskClient, app: Flask) -> None:
    code = _submit(client)
    before = len(history_of(app, code).entries)
    resp = _post(client, code)
    assert resp.status_code == 400
    assert tr("id", "error.consent_nothing") in resp.get_data(as_text=True)
    assert _post(client, code, authority_bkn="yes").status_code == 400
    assert _post(client, code, **{"evidence_" + "0" * 64: "grant"}).status_code == 400
    assert len(history_of(app, code).entries) == before


def test_unknown_receipt_stores_nothing(client: FlaskClient, app: Flask) -> None:
    code = _submit(client)
    before = len(history_of(app, code).entries)
    from crypto import receipt

    assert _post(client, receipt.generate(), authority_bkn="grant").status_code == 404
    assert len(history_of(app, code).entries) == before
