"""Protection after the report, end to end (issue 10), driven as people drive it.

Through the real intake (no-JS path, Flask test client), the real ``bisik-server`` commands and
``bisik-reviewer`` as a separate process:

* **late activity** — a reviewer closes a case; months later the reporter reports retaliation
  with the receipt; on the next import the case is flagged in ``list --flagged``, its
  acknowledgement is due again in ``due``, and the server's retention dry run keeps it and says
  why, even once its retention time is up.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from intake import demo
from tests.e2e.test_loop import CSRF_RE, client_for, org, reviewer, server, submit  # noqa: F401
from vault import retention

pytestmark = pytest.mark.slow


def _csrf(client: FlaskClient) -> str:
    match = CSRF_RE.search(client.get("/followup").get_data(as_text=True))
    assert match
    return match.group(1)


def _retaliation(client: FlaskClient, code: str) -> None:
    year = dt.date.today().year
    data = {
        "csrf_token": _csrf(client), "receipt": code, "kind": "retaliation",
        "text": "Sejak laporan ditutup saya dibebastugaskan (non-job) oleh kepala dinas.",
        "retaliation_kind": "non_job", "retaliation_year": str(year - 1),
        "retaliation_month": "12", "evidence_1": (io.BytesIO(b"%PDF-1.4 sk"), "sk.pdf"),
    }  # fmt: skip
    resp = client.post("/followup/message", data=data, content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_data(as_text=True)[-800:]


def _case_of(vault: object, before: set[str]) -> str:
    (case_id,) = {i.case_id for i in vault.items_since(0)} - before  # type: ignore[attr-defined]
    return str(case_id)


def test_retaliation_after_closure_flags_the_case_and_retention_keeps_it(
    org: demo.Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    client, vault = client_for(org)
    before = {i.case_id for i in vault.items_since(0)}
    code = submit(client)
    case_id = _case_of(vault, before)
    server(org, "export", "--all", "--out", str(tmp_path / "e1.bisik"))
    reviewer(org, "ani", "import", str(tmp_path / "e1.bisik"))
    reviewer(org, "ani", "status", case_id, "closed_substantiated")
    reviewer(org, "ani", "outbox", "--out", str(tmp_path / "o1.bisik"))
    server(org, "import", str(tmp_path / "o1.bisik"))
    assert case_id[:6] not in reviewer(org, "ani", "list", "--flagged")
    assert case_id[:6] not in reviewer(org, "ani", "due", "--all")

    _retaliation(client, code)  # the reporter comes back after closure
    server(org, "export", "--all", "--out", str(tmp_path / "e2.bisik"))
    reviewer(org, "ani", "import", str(tmp_path / "e2.bisik"))
    flagged = reviewer(org, "ani", "list", "--flagged")
    assert case_id[:6] in flagged
    due = reviewer(org, "ani", "due")  # due soon: the acknowledgement is owed again
    assert case_id[:6] in due and "new item after closure" in due
    shown = reviewer(org, "ani", "show", case_id)
    assert "the reporter sent something after the case was closed" in shown

    # long after closure, retention would remove the case, but keeps it and says why
    later = dt.date.today() + dt.timedelta(days=400)
    monkeypatch.setattr(retention, "_today", lambda: later)
    capsys.readouterr()
    server(org, "retention", "--dry-run")
    dry = capsys.readouterr().out
    assert f"keep case {case_id}: the reporter wrote after the case was closed" in dry
    assert f"  case {case_id}\n" not in dry

    # the reviewer answers by re-opening; the flag and the deadline go, the history stays
    reviewer(org, "ani", "status", case_id, "in_review")
    assert case_id[:6] not in reviewer(org, "ani", "list", "--flagged")
    assert case_id[:6] not in reviewer(org, "ani", "due", "--all")
