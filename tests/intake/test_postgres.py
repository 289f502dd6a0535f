"""The same no-JS submit and follow-up with the vault on the real PostgreSQL server."""

from __future__ import annotations

import pytest

from tests.conftest import pg_schema_url

from .conftest import Org, csrf_of, receipt_of
from .helpers import open_blob, report_fields, report_of, with_files


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
