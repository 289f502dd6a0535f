"""Authority tracking and identity disclosure end to end (issue 10 items 3 and 4), driven as
people drive them: the real intake (Flask test client, no-JS path), ``bisik-server`` export and
import, and ``bisik-reviewer`` as a separate process on each reviewer's laptop.

LPSK: refused before the reporter discloses their identity, refused without consent to LPSK
(and on a laptop the reporter did not choose), produced once both hold — including consent the
reporter grants later from the follow-up page.

Tracking: Ani records a chain of signed steps (sent → acknowledged with reference →
recommendation), the last one past its deadline; ``due`` shows it by itself; the steps go out
in her outbox, the server imports them, Budi's laptop converges on the same chain after the
next export, and the reporter's follow-up page shows authority, stage and day — not the
reference. A forged step is refused by the server's import and by a laptop's import, and
changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from crypto import document, envelope, identity, receipt, signed
from crypto import followup as cfollowup
from crypto.encoding import b64u_encode, canonical_json
from intake import demo, i18n
from reviewer.home import Home
from reviewer.identity import unlock
from tests.demo_org import reviewer, run_reviewer
from tests.e2e.helpers import CSRF_RE, RECEIPT_RE, client_for, followup, scan, server, submit
from tests.intake.helpers import report_fields
from vault.bundle import OutboxWriter
from vault.bundle.errors import BundleError
from vault.store import Vault
from vault.transfer import import_outbox, load_directory

pytestmark = pytest.mark.slow
REFERENCE = "123/PM.01/K.JT/11/2026"
IDENTITY = {
    "name": "Rina Wulandari",
    "nip": "198703152010012003",
    "agency": "Dinas Pendidikan Kab. Semarang",
    "contact_note": "Sore hari, lewat Signal.",
}


def _days_ago(n: int) -> str:
    return (dt.date.today() - dt.timedelta(days=n)).isoformat()


def _snapshot(vault: Vault) -> list[tuple[int, str, str]]:
    return [(e.seq, e.case_id, e.kind) for e in vault.items_since(0)]


def _forged_outbox(made: demo.Demo, vault: Vault, case_id: str, path: Path) -> bytes:
    """Ani's genuine 'recommendation' step turned into a 'sanction berat' after signing, in an
    outbox whose manifest her own key signs (what a tampered USB stick would carry)."""
    ident = unlock(Home(made.reviewer_homes["ani"]), made.passphrase)
    genuine = next(
        e.record
        for e in vault.items_since(0)
        if e.kind == "track" and e.record and b'"recommendation"' in signed.parse(e.record).body
    )
    body = json.loads(signed.parse(genuine).body)
    forged = {
        **json.loads(genuine),
        "body": b64u_encode(canonical_json({**body, "stage": "sanction", "level": "berat"})),
    }
    with OutboxWriter(path, ident.keys.signing, load_directory(made.server_home), ack=0) as out:
        out._w.add_bytes("track", case_id, canonical_json(forged))  # past the writer's checks
    return canonical_json(forged)


def _inject(vault: Vault, case_id: str, record: bytes) -> None:
    """What a compromised server can do: write a record straight into its journal."""
    from sqlalchemy import insert

    from vault.models import Item

    with vault.engine.begin() as conn:
        conn.execute(
            insert(Item).values(case_id=case_id, kind="track", record=record, order_key="0|0")
        )


def test_tracking_chain_reaches_colleague_and_reporter(
    org: demo.Demo,
    tmp_path: Path,
) -> None:
    client, vault = client_for(org)
    receipt = submit(client)
    export = tmp_path / "export-1.bisik"
    server(org, "export", "--out", str(export))
    reviewer(org, "ani", "import", str(export))
    case_id = vault.items_since(0)[0].case_id
    reviewer(org, "ani", "status", case_id, "in_review")

    # Ani's chain: three steps, the recommendation 20 days ago (its deadline is 14 days)
    reviewer(
        org,
        "ani",
        "track",
        case_id,
        "--authority",
        "bawaslu",
        "--stage",
        "sent",
        "--day",
        _days_ago(30),
        "--set-status",
    )
    reviewer(
        org,
        "ani",
        "track",
        case_id,
        "--authority",
        "Bawaslu",
        "--stage",
        "acknowledged",
        "--reference",
        REFERENCE,
        "--day",
        _days_ago(27),
    )
    reviewer(
        org,
        "ani",
        "track",
        case_id,
        "--authority",
        "bawaslu",
        "--stage",
        "recommendation",
        "--day",
        _days_ago(20),
    )
    due = reviewer(org, "ani", "due")
    assert "tracking: recommendation" in due and case_id[:12] in due
    outbox = tmp_path / "outbox-ani.bisik"
    assert "3 tracking steps" in reviewer(org, "ani", "outbox", "--out", str(outbox))
    server(org, "import", str(outbox))
    assert [signed.body_of(r)["stage"] for r in vault.case_history(case_id).steps] == [
        "sent",
        "acknowledged",
        "recommendation",
    ]

    # Budi's laptop converges on the same chain, reference included
    export2 = tmp_path / "export-2.bisik"
    server(org, "export", "--all", "--out", str(export2))
    reviewer(org, "budi", "import", str(export2))
    chain = reviewer(org, "budi", "track", case_id)
    for text in (
        "dossier sent",
        "acknowledged, with a reference",
        "recommendation issued",
        REFERENCE,
        "bawaslu",
    ):
        assert text in chain
    assert "passed 6 days ago" in chain  # overdue on his laptop too
    assert case_id[:12] in reviewer(org, "budi", "due")

    # the reporter sees authority, stage and day, verified — never the reference number
    page = followup(client, receipt)
    for key in ("track.stage.sent", "track.stage.acknowledged", "track.stage.recommendation"):
        assert i18n.translate("id", key) in page
    assert _days_ago(27) in page and "Bawaslu" in page and REFERENCE not in page

    # a forged step: the server refuses the outbox and nothing changes
    before = _snapshot(vault)
    forged = tmp_path / "outbox-forged.bisik"
    record = _forged_outbox(org, vault, case_id, forged)
    with pytest.raises(BundleError, match="signature"):
        import_outbox(vault, load_directory(org.server_home), forged)
    assert _snapshot(vault) == before

    # a compromised server writes the forged step straight into its database: Budi's laptop
    # refuses the whole export, says why, and its chain stays as it was
    _inject(vault, case_id, record)
    export3 = tmp_path / "export-3.bisik"
    server(org, "export", "--all", "--out", str(export3))
    refused = run_reviewer(org, "budi", "import", str(export3))
    assert refused.returncode == 1 and "track record signature fails" in refused.stderr
    assert reviewer(org, "budi", "track", case_id) == chain
    page = followup(client, receipt)  # and the reporter's page drops it, counted
    assert i18n.translate("id", "track.stage.sanction") not in page
    assert i18n.translate("id", "case.rejected", n=1) in page
    _remove(vault, record)  # the server is repaired before the next test shares it


def _remove(vault: Vault, record: bytes) -> None:
    from sqlalchemy import delete

    from vault.models import Item

    with vault.engine.begin() as conn:
        conn.execute(delete(Item).where(Item.record == record))


def _submit(client: FlaskClient, consent: list[str]) -> str:
    token = CSRF_RE.search(client.get("/submit").get_data(as_text=True))
    assert token
    data = report_fields(
        token.group(1), description="Camat memerintahkan apel siaga.", consent_authority=consent
    )
    resp = client.post("/submit", data=data, content_type="multipart/form-data")
    assert resp.status_code == 200
    match = RECEIPT_RE.search(resp.get_data(as_text=True))
    assert match
    return match.group(1)


def _disclose(client: FlaskClient, made: demo.Demo, code: str, to: list[str]) -> None:
    """What the follow-up page's script does (intake/static/js/followup-identity.js): seal a
    SPEC §17 document to the chosen reviewers only, sign it with the receipt, post it."""
    secrets = receipt.derive(code)
    token = CSRF_RE.search(client.get("/followup").get_data(as_text=True))
    assert token
    headers = {"X-CSRF-Token": token.group(1)}
    lookup = {"lookup_id": b64u_encode(secrets.lookup_id)}
    case = client.post("/api/case", json=lookup, headers=headers).get_json()
    directory = load_directory(made.server_home)
    keys = [r.keys.encryption for r in directory.active_reviewers() if r.id in to]
    doc = document.Document(identity.TYPE, document.now(), "browser", IDENTITY, None)
    sealed = envelope.seal(doc.to_bytes(), keys)
    sig = cfollowup.sign(
        secrets.followup_key, case["case"], identity.ITEM, hashlib.sha256(sealed).hexdigest(), []
    )
    resp = client.post(
        "/api/case/message",
        headers=headers,
        json={
            **lookup,
            "kind": identity.ITEM,
            "envelope": b64u_encode(sealed),
            "evidence": [],
            "signature": sig.decode(),
        },
    )
    assert resp.status_code == 201, resp.get_data(as_text=True)


def _case_of(vault: Vault, before: set[str]) -> str:
    (new,) = {e.case_id for e in vault.items_since(0)} - before
    return new


def test_lpsk_only_after_disclosure_and_consent(
    org: demo.Demo,
    tmp_path: Path,
) -> None:
    client, vault = client_for(org)
    seen = {e.case_id for e in vault.items_since(0)}
    with_lpsk = _submit(client, ["bawaslu", "lpsk"])
    case_lpsk = _case_of(vault, seen)
    without = _submit(client, ["bawaslu"])
    case_without = _case_of(vault, seen | {case_lpsk})
    server(org, "export", "--all", "--out", str(tmp_path / "e1.bisik"))
    reviewer(org, "ani", "import", str(tmp_path / "e1.bisik"))

    # before any disclosure: refused, nothing written
    refused = run_reviewer(org, "ani", "lpsk", case_lpsk, "--out", str(tmp_path / "l0"))
    assert refused.returncode == 1 and "not disclosed their identity" in refused.stderr
    assert not (tmp_path / "l0").exists()

    # the reporters disclose their identity to Ani only
    _disclose(client, org, with_lpsk, ["ani"])
    _disclose(client, org, without, ["ani"])
    server(org, "export", "--all", "--out", str(tmp_path / "e2.bisik"))
    for who in ("ani", "budi"):
        reviewer(org, who, "import", str(tmp_path / "e2.bisik"))

    # disclosed, but no consent to LPSK: refused
    refused = run_reviewer(org, "ani", "lpsk", case_without, "--out", str(tmp_path / "l1"))
    assert refused.returncode == 1 and "not consented to LPSK" in refused.stderr
    # consented, but Budi was not chosen: he cannot read it, so refused on his laptop
    refused = run_reviewer(org, "budi", "lpsk", case_lpsk, "--out", str(tmp_path / "l2"))
    assert refused.returncode == 1 and "not disclosed their identity" in refused.stderr
    assert IDENTITY["name"] not in reviewer(org, "budi", "show", case_lpsk)

    # disclosed to Ani and consented: the application material
    out = tmp_path / "lpsk"
    reviewer(org, "ani", "lpsk", case_lpsk, "--out", str(out), "--place", "Semarang")
    assert IDENTITY["name"] in reviewer(org, "ani", "show", case_lpsk)  # she was chosen
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "01-daftar-periksa.txt",
        "02-draf-surat-permohonan.txt",
        "03-lampiran-linimasa.json",
        "03-lampiran-linimasa.txt",
    ]
    letter = (out / "02-draf-surat-permohonan.txt").read_text("utf-8")
    for text in (
        IDENTITY["name"],
        IDENTITY["nip"],
        "Pasal 28",
        "Pasal 29",
        "Pasal 10",
        "iktikad baik",
        "belum diverifikasi",
        "tidak menjamin perlindungan",
    ):
        assert text in letter
    assert "31 Tahun 2014" in letter and "UU 31/2014" in letter  # the source named
    attached = json.loads((out / "03-lampiran-linimasa.json").read_text("utf-8"))
    assert attached["case"] == case_lpsk
    assert all((out / n).stat().st_mode & 0o077 == 0 for n in names)  # holds the identity

    # the other reporter grants LPSK later, from the follow-up page: now the draft is made
    token = CSRF_RE.search(client.get("/followup").get_data(as_text=True))
    assert token
    resp = client.post(
        "/followup/consent",
        data={"csrf_token": token.group(1), "receipt": without, "authority_lpsk": "grant"},
    )
    assert resp.status_code == 200
    server(org, "export", "--all", "--out", str(tmp_path / "e3.bisik"))
    reviewer(org, "ani", "import", str(tmp_path / "e3.bisik"))
    reviewer(org, "ani", "lpsk", case_without, "--out", str(tmp_path / "lpsk2"))
    assert IDENTITY["name"] in (tmp_path / "lpsk2" / "02-draf-surat-permohonan.txt").read_text()

    # the server never held the identity in the clear
    needles = {"name": IDENTITY["name"].encode(), "nip": IDENTITY["nip"].encode()}
    assert scan(org.server_home, needles) == []
