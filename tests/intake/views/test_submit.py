"""The no-JavaScript path (``intake.views.submit``): a multipart form sealed on arrival, read
back with a reviewer key; the same submit and follow-up with the vault on the real PostgreSQL
server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crypto import document, envelope, receipt
from crypto.encoding import b64u_decode
from crypto.errors import DecryptionError
from intake import i18n
from tests.conftest import pg_schema_url

from ..conftest import Org, csrf_of, receipt_of, tr
from ..helpers import history_of, open_blob, report_fields, report_of, with_files


def test_submit_with_several_files_round_trips(client: FlaskClient, app: Flask, org: Org) -> None:
    files = {
        "evidence_1": (os.urandom(300_000), "rapat-dinas.jpg"),
        "evidence_2": (b"voice note bytes " * 5000, "pesan suara.ogg"),
        "evidence_3": (b"", "empty.txt"),
    }
    data = with_files(report_fields(csrf_of(client)), files)
    resp = client.post("/submit", data=data, content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    html = resp.get_data(as_text=True)
    code = receipt_of(html)
    assert receipt.normalize(code)
    assert tr("id", "receipt.path_server") in html

    for rid in ("ani", "budi"):  # both chosen reviewers can read everything
        doc = report_of(app, code, org.reviewers[rid])
        assert doc.type == "report" and doc.channel == "server"
        assert doc.fields["category"] == "mobilisation"
        assert doc.fields["incident_month"].endswith("-10")
        assert doc.consent == {"authorities": ["bawaslu", "bkn"]}
        assert (
            b64u_decode(doc.reply_key or "", length=32)
            == receipt.derive(code).reply_public.public_bytes_raw()
        )
        by_name = {e.name: e for e in doc.evidence}
        assert set(by_name) == {"rapat-dinas.jpg", "pesan suara.ogg", "empty.txt"}
        assert by_name["rapat-dinas.jpg"].share and not by_name["pesan suara.ogg"].share
        for content, name in files.values():
            ev = by_name[name]
            assert ev.size == len(content)
            assert open_blob(app, ev.envelope_sha256, org.reviewers[rid]) == content
            # the entry binds its envelope: the header opens and carries exactly this MAC
            with app.extensions["bisik"].vault.blobs.open(ev.envelope_sha256) as fh:
                mac = envelope.open_header_mac(fh, org.reviewers[rid].encryption)
            assert mac.hex() == ev.envelope_mac
        assert len({e.envelope_mac for e in doc.evidence}) == len(files)
    hist = history_of(app, code)
    assert {r.sha256 for r in hist.entries[0].evidence} == {e.envelope_sha256 for e in doc.evidence}


def test_reporter_can_leave_out_a_reviewer(client: FlaskClient, app: Flask, org: Org) -> None:
    data = with_files(
        report_fields(csrf_of(client), recipient=["budi"]),
        {"evidence_1": (b"secret photo", "a.png")},
    )
    code = receipt_of(client.post("/submit", data=data).get_data(as_text=True))
    doc = report_of(app, code, org.reviewers["budi"])
    with pytest.raises(DecryptionError):
        report_of(app, code, org.reviewers["ani"])
    with pytest.raises(DecryptionError):
        open_blob(app, doc.evidence[0].envelope_sha256, org.reviewers["ani"])
    state = app.extensions["bisik"]
    assert state.vault.case_by_lookup(
        receipt.lookup_tag(state.secrets.pepper, receipt.derive(code).lookup_id)
    ).recipients == ("budi",)


def test_text_only_report_without_name(client: FlaskClient, app: Flask, org: Org) -> None:
    data = report_fields(csrf_of(client), reported_name=None)
    resp = client.post("/submit", data=data, content_type="multipart/form-data")
    doc = report_of(app, receipt_of(resp.get_data(as_text=True)), org.reviewers["ani"])
    assert doc.fields["reported_name"] == "" and doc.evidence == ()


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"category": None}, "error.missing_field"),
        ({"category": "nonsense"}, "error.malformed"),
        ({"recipient": None}, "error.no_recipient"),
        ({"recipient": ["mallory"]}, "error.malformed"),
        ({"province": "Atlantis"}, "error.malformed"),
        ({"description": "x" * 70_000}, "error.text_too_long"),
    ],
)
def test_bad_fields_store_nothing(client: FlaskClient, home: Path, change: dict, key: str) -> None:
    client.set_cookie(i18n.COOKIE, "en")
    data = with_files(
        report_fields(csrf_of(client), **change), {"evidence_1": (os.urandom(200_000), "x.bin")}
    )
    resp = client.post("/submit", data=data, content_type="multipart/form-data")
    assert resp.status_code in (400, 413)
    assert tr("en", key) in resp.get_data(as_text=True)
    assert not any(p.is_file() for p in (home / "blobs").rglob("*"))


def test_form_parser_is_never_used_for_multipart(app: Flask) -> None:
    from intake.errors import FormRefused

    with app.test_request_context(
        "/submit", method="POST", data={"a": "b", "f": (open(__file__, "rb"), "f.py")}
    ):
        from flask import request

        with pytest.raises(FormRefused):
            _ = request.form
        with pytest.raises(FormRefused):
            _ = request.files


def test_document_fields_match_form(client: FlaskClient, app: Flask, org: Org) -> None:
    data = report_fields(csrf_of(client), reported_name="Pak X", agency_name="Dinas Y")
    resp = client.post("/submit", data=data, content_type="multipart/form-data")
    code = receipt_of(resp.get_data(as_text=True))
    doc = report_of(app, code, org.reviewers["ani"])
    assert isinstance(doc, document.Document)
    assert doc.fields["reported_name"] == "Pak X" and doc.fields["agency_name"] == "Dinas Y"


def test_urlencoded_submit_is_refused(client: FlaskClient, home: Path) -> None:
    resp = client.post("/submit", data=report_fields(csrf_of(client)))
    assert resp.status_code == 400
    assert not any(p.is_file() for p in (home / "blobs").rglob("*"))


def test_consent_to_another_competent_body_reaches_the_document(
    client: FlaskClient, app: Flask, org: Org
) -> None:
    """The reviewer tool's `escalate --to-other` needs this explicit consent word."""
    bad = report_fields(csrf_of(client), consent_authority=["lpsk", "not-a-body"])
    assert client.post("/submit", data=bad, content_type="multipart/form-data").status_code == 400
    data = report_fields(csrf_of(client), consent_authority=["lpsk", "other"])
    resp = client.post("/submit", data=data, content_type="multipart/form-data")
    assert resp.status_code == 200
    doc = report_of(app, receipt_of(resp.get_data(as_text=True)), org.reviewers["ani"])
    assert doc.consent == {"authorities": ["lpsk", "other"]}


@pytest.mark.postgres
def test_submit_and_follow_up_on_postgresql(make_app, pg_schema: str, org: Org) -> None:  # type: ignore[no-untyped-def]
    app = make_app(db_url=pg_schema_url(pg_schema))
    assert app.extensions["bisik"].vault.engine.dialect.name == "postgresql"
    client = app.test_client()
    data = with_files(report_fields(csrf_of(client)), {"evidence_2": (b"pg evidence", "pg.txt")})
    code = receipt_of(client.post("/submit", data=data).get_data(as_text=True))
    doc = report_of(app, code, org.reviewers["ani"])
    assert open_blob(app, doc.evidence[0].envelope_sha256, org.reviewers["budi"]) == b"pg evidence"
    token = csrf_of(client, "/followup")
    assert client.post("/followup", data={"csrf_token": token, "receipt": code}).status_code == 200
