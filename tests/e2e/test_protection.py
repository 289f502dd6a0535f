"""Protection after the report, end to end (issue 10), driven as people drive it.

Through the real intake (no-JS path, Flask test client), the real ``bisik-server`` commands and
``bisik-reviewer`` as a separate process:

* **late activity** — a reviewer closes a case; months later the reporter reports retaliation
  with the receipt; on the next import the case is flagged in ``list --flagged``, its
  acknowledgement is due again in ``due``, and the server's retention dry run keeps it and says
  why, even once its retention time is up;
* **consent that changes** — a dossier for an authority the reporter did not consent to is
  refused; the reporter grants it later from the follow-up page (no JavaScript); after the
  next import the dossier is produced and names the consent's day; the reporter then withdraws
  it after the case was escalated there, and the reviewer sees it in ``show``, ``list
  --flagged`` and ``due``, and a new dossier is refused again; "sent" is read from the
  authority codes of signed ``sent`` steps and ``escalated`` statuses, exactly: a body whose
  name merely begins with a consent code (KPKNL is not KPK) is not that body; changes apply in
  the order of their sealed sequence number, not the browser's clock, and a stale or replayed
  number is refused on import, named, and changes nothing;
* **linked cases** — a reporter who lost the receipt reports again; Ani links the new case to
  the old one with ``--share``; the link travels in her outbox, reaches Budi's laptop through
  the next export (both show it), and the new receipt's follow-up page shows the old case's
  verified statuses — not its replies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import subprocess
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from crypto import consent as cconsent
from crypto import envelope, receipt
from crypto import followup as cfollowup
from crypto.encoding import b64u_encode
from intake import demo, i18n
from reviewer.home import Config, Home
from tests.demo_org import reviewer, run_reviewer
from tests.e2e.helpers import CSRF_RE, client_for, followup, server, submit
from tests.reviewer.helpers import LETTERHEAD
from vault import retention
from vault.transfer import load_directory

pytestmark = pytest.mark.slow


def _csrf(client: FlaskClient) -> str:
    match = CSRF_RE.search(client.get("/followup").get_data(as_text=True))
    assert match
    return match.group(1)


def _retaliation(client: FlaskClient, code: str) -> None:
    year = dt.date.today().year
    data = {
        "csrf_token": _csrf(client),
        "receipt": code,
        "kind": "retaliation",
        "text": "Sejak laporan ditutup saya dibebastugaskan (non-job) oleh kepala dinas.",
        "retaliation_kind": "non_job",
        "retaliation_year": str(year - 1),
        "retaliation_month": "12",
        "evidence_1": (io.BytesIO(b"%PDF-1.4 sk"), "sk.pdf"),
    }
    resp = client.post("/followup/message", data=data, content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_data(as_text=True)[-800:]


def _case_of(vault: object, before: set[str]) -> str:
    (case_id,) = {i.case_id for i in vault.items_since(0)} - before  # type: ignore[attr-defined]
    return str(case_id)


def test_retaliation_after_closure_flags_the_case_and_retention_keeps_it(
    org: demo.Demo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
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


def _consent(client: FlaskClient, code: str, **choices: str) -> None:
    data = {"csrf_token": _csrf(client), "receipt": code, **choices}
    resp = client.post("/followup/consent", data=data)
    assert resp.status_code == 200, resp.get_data(as_text=True)[-800:]
    assert i18n.translate("id", "notice.sent_consent") in resp.get_data(as_text=True)


def _escalate(
    made: demo.Demo, case_id: str, out: Path, to: str = "ombudsman"
) -> subprocess.CompletedProcess[str]:
    args = ["escalate", case_id, "--to", to, "--out", str(out), "--accept-all-redactions"]
    return run_reviewer(made, "ani", *args)


def _sync(made: demo.Demo, tmp_path: Path, name: str) -> None:
    server(made, "export", "--all", "--out", str(tmp_path / f"{name}.bisik"))
    reviewer(made, "ani", "import", str(tmp_path / f"{name}.bisik"))


def test_consent_granted_later_makes_the_dossier_and_a_withdrawal_is_flagged(
    org: demo.Demo,
    tmp_path: Path,
) -> None:
    client, vault = client_for(org)
    before = {i.case_id for i in vault.items_since(0)}
    code = submit(client)  # consents to Bawaslu and BKN only
    case_id = _case_of(vault, before)
    home = Home(org.reviewer_homes["ani"])
    home.save_config(Config(**{**home.load_config().to_json(), **LETTERHEAD}))
    _sync(org, tmp_path, "c1")

    refused = _escalate(org, case_id, tmp_path / "refused")
    assert refused.returncode == 1 and not (tmp_path / "refused" / "dossier.pdf").exists()

    _consent(client, code, authority_ombudsman="grant")  # the reporter says yes, later
    _sync(org, tmp_path, "c2")
    made = _escalate(org, case_id, tmp_path / "dossier")
    assert made.returncode == 0, made.stderr
    dossier = json.loads((tmp_path / "dossier" / "dossier.json").read_text("utf-8"))
    day = dt.datetime.now(dt.UTC).date().isoformat()
    assert dossier["consent"] == {"authority": "ombudsman", "since": day}
    assert "Ombudsman" in reviewer(org, "ani", "show", case_id).split("Consent")[1][:200]

    # sent; then the reporter withdraws: recorded, shown, flagged, due, and no new dossier
    reviewer(org, "ani", "status", case_id, "escalated", "--authority", "Ombudsman RI")
    _consent(client, code, authority_ombudsman="withdraw")
    _sync(org, tmp_path, "c3")
    shown = reviewer(org, "ani", "show", case_id)
    assert "Consent withdrawn" in shown and "Send nothing more to this body" in shown
    assert case_id[:6] in reviewer(org, "ani", "list", "--flagged")
    due = reviewer(org, "ani", "due")
    assert case_id[:6] in due and "Ombudsman RI: consent withdrawn" in due
    assert _escalate(org, case_id, tmp_path / "again").returncode == 1


def _case_with_letterhead(made: demo.Demo) -> tuple[FlaskClient, str, str]:
    """A new no-JS report (consenting to Bawaslu and BKN): the client, receipt and case id;
    Ani's letterhead is set so she can write dossiers."""
    client, vault = client_for(made)
    before = {i.case_id for i in vault.items_since(0)}
    code = submit(client)  # consents to Bawaslu and BKN
    case_id = _case_of(vault, before)
    home = Home(made.reviewer_homes["ani"])
    home.save_config(Config(**{**home.load_config().to_json(), **LETTERHEAD}))
    return client, code, case_id


def test_withdrawal_after_sending_is_matched_by_authority_code(
    org: demo.Demo,
    tmp_path: Path,
) -> None:
    """Regression: the old prefix matching took an escalation to "KPKNL Bandung" (the state
    asset office) for one to KPK, and never read ``sent`` tracking steps."""
    client, code, case_id = _case_with_letterhead(org)
    _consent(client, code, authority_kpk="grant")
    _sync(org, tmp_path, "k1")
    reviewer(org, "ani", "status", case_id, "escalated", "--authority", "KPKNL Bandung")
    reviewer(org, "ani", "track", case_id, "--authority", "BKN", "--stage", "sent")
    _consent(client, code, authority_kpk="withdraw", authority_bkn="withdraw")
    _sync(org, tmp_path, "k2")

    shown = reviewer(org, "ani", "show", case_id)
    withdrawn = [line for line in shown.splitlines() if "Send nothing more" in line]
    assert len(withdrawn) == 1 and "BKN" in withdrawn[0] and "tracking step" in withdrawn[0]
    assert case_id[:6] in reviewer(org, "ani", "list", "--flagged")
    due = [line for line in reviewer(org, "ani", "due").splitlines() if case_id[:6] in line]
    assert any("BKN: consent withdrawn" in line for line in due), due
    assert not any("KPK" in line for line in due)

    refused = _escalate(org, case_id, tmp_path / "bkn", to="bkn")
    assert refused.returncode == 1 and "after a dossier was sent there" in refused.stderr
    kpk = _escalate(org, case_id, tmp_path / "kpk", to="kpk")  # never sent: a plain refusal
    assert kpk.returncode == 1 and "did not consent" in kpk.stderr


def _browser_consent(
    client: FlaskClient,
    made: demo.Demo,
    code: str,
    change: dict[str, bool],
    clock: str,
    **over: int,
) -> int:
    """A consent change as the follow-up page's script sends it (SPEC §14, JavaScript path):
    numbered with the ``consent_seq`` the case API gives (or ``seq`` — a stale tab's), dated by
    the browser's own ``clock``, sealed to the case's reviewers, signed with the receipt key."""
    csrf = {"X-CSRF-Token": _csrf(client)}
    sec = receipt.derive(code)
    lookup = {"lookup_id": b64u_encode(sec.lookup_id)}
    data = client.post("/api/case", json=lookup, headers=csrf).get_json()
    seq = over.get("seq", data["consent_seq"])
    doc = cconsent.document(cconsent.ConsentChange(change, {}, seq), clock, "browser")
    keys = [r.keys.encryption for r in load_directory(made.server_home).reviewers]
    sealed = envelope.seal(doc.to_bytes(), keys)
    sha = hashlib.sha256(sealed).hexdigest()
    signature = cfollowup.sign(sec.followup_key, data["case"], "consent", sha, []).decode()
    body = {**lookup, "kind": "consent", "envelope": b64u_encode(sealed), "evidence": []}
    resp = client.post("/api/case/message", json={**body, "signature": signature}, headers=csrf)
    assert resp.status_code == 201, resp.get_json()
    return int(seq)


def test_consent_changes_follow_their_sequence_not_the_browsers_clock(
    org: demo.Demo,
    tmp_path: Path,
) -> None:
    """Regression: changes were applied in the order of the reporter's own dates. A browser
    clock three days slow made a later withdrawal look older than the grant before it, and a
    stale tab could send a change under a number already used."""
    client, code, case_id = _case_with_letterhead(org)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    slow = (now - dt.timedelta(days=3)).isoformat()
    assert _browser_consent(client, org, code, {"ombudsman": True}, now.isoformat()) == 1
    assert _browser_consent(client, org, code, {"ombudsman": False}, slow) == 2
    # a stale tab replays place 1 with a later date: it must not override the withdrawal
    later = (now + dt.timedelta(hours=1)).isoformat()
    _browser_consent(client, org, code, {"ombudsman": True}, later, seq=1)
    _sync(org, tmp_path, "s1")

    shown = reviewer(org, "ani", "show", case_id)
    consent_line = shown.split("Consent")[1].splitlines()[0]
    assert "Ombudsman" not in consent_line
    assert "consent seq 1 is already held by an earlier change" in shown
    assert case_id[:6] in reviewer(org, "ani", "list", "--flagged")
    refused = _escalate(org, case_id, tmp_path / "ombudsman")
    assert refused.returncode == 1 and not (tmp_path / "ombudsman" / "dossier.pdf").exists()

    # the no-JS page numbers its change after the three stored ones: it is applied last
    _consent(client, code, authority_ombudsman="grant")
    _sync(org, tmp_path, "s2")
    made = _escalate(org, case_id, tmp_path / "granted")
    assert made.returncode == 0, made.stderr


def test_a_linked_case_converges_and_shows_its_shared_history(
    org: demo.Demo,
    tmp_path: Path,
) -> None:
    client, vault = client_for(org)
    before = {i.case_id for i in vault.items_since(0)}
    submit(client)  # the first report; its receipt is then lost
    old = _case_of(vault, before)
    _sync(org, tmp_path, "l1")
    reviewer(org, "ani", "status", old, "need_info")
    reviewer(org, "ani", "reply", old, "--message", "BALASAN-LAMA hanya untuk tanda terima lama")
    before = {i.case_id for i in vault.items_since(0)}
    code = submit(client)  # reported again, with a new receipt
    new = _case_of(vault, before)
    _sync(org, tmp_path, "l2")
    page = followup(client, code)
    assert i18n.translate("id", "linked.h") not in page  # nothing shared before the link

    reviewer(org, "ani", "link", new, old, "--share")
    reviewer(org, "ani", "outbox", "--out", str(tmp_path / "link-out.bisik"))
    server(org, "import", str(tmp_path / "link-out.bisik"))
    server(org, "export", "--all", "--out", str(tmp_path / "l3.bisik"))
    reviewer(org, "budi", "import", str(tmp_path / "l3.bisik"))
    for who in ("ani", "budi"):  # the same link on both laptops, both ways
        assert f"Linked to                          {old}" in reviewer(org, who, "show", new)
        assert f"Linked from                        {new}" in reviewer(org, who, "show", old)

    page = followup(client, code)
    assert i18n.translate("id", "linked.h") in page
    shared = page.split('id="linked-section"')[1].split("</section>")[0]
    assert i18n.translate("id", "status.need_info") in shared
    assert "BALASAN-LAMA" not in page  # replies stay with the old receipt

    reviewer(org, "ani", "link", new, old, "--unlink")
    reviewer(org, "ani", "outbox", "--out", str(tmp_path / "unlink-out.bisik"))
    server(org, "import", str(tmp_path / "unlink-out.bisik"))
    assert i18n.translate("id", "linked.h") not in followup(client, code)
