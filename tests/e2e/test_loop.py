"""The whole loop, driven the way people drive it — the project's most important test.

A reporter submits through the intake (no-JavaScript path, Flask test client) with a marker
text and two evidence files; the operator runs ``bisik-server export``; a reviewer runs
``bisik-reviewer import``, reads the case, takes the evidence out, sets a status and replies,
writes an ``outbox``; the operator runs ``bisik-server import``; the reporter comes back with
the receipt and sees the signed status and the decrypted reply, and writes a follow-up; a
follow-up forged by a compromised server (written straight into its database) is refused on the
second reviewer's laptop while the real one verifies (crypto/SPEC.md §12). That second laptop
converges on the same history. Finally the server's state directory is searched for anything
that would identify the reporter or open the report.

The reviewer tool runs as a separate process (``python -m reviewer.cli``), as on the laptop;
the server commands run through ``intake.cli.main`` as ``bisik-server`` would.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from crypto import envelope
from crypto.errors import DecryptionError
from intake import demo, i18n
from tests.demo_org import reviewer
from tests.e2e.helpers import CSRF_RE, EVIDENCE, MARKER, client_for, followup, scan, server, submit
from vault.store import Vault

REPLY = "Terima kasih. Laporan Anda sedang kami telaah; mohon simpan bukti asli."
FOLLOWUP = "PENANDA-TINDAK-LANJUT camat mengulang perintah di grup WhatsApp"
FORGED = "PENANDA-PALSU saya menarik laporan saya"


def send_followup(client: FlaskClient, receipt: str) -> None:
    """A follow-up message through the real intake (no-JS path: signed in server memory)."""
    page = client.get("/followup").get_data(as_text=True)
    token = CSRF_RE.search(page)
    assert token
    data = {"csrf_token": token.group(1), "receipt": receipt, "kind": "message", "text": FOLLOWUP}
    resp = client.post("/followup/message", data=data, content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_data(as_text=True)[-900:]


def inject_forged_message(made: demo.Demo, vault: Vault, case_id: str) -> None:
    """What a compromised server can do: seal a message to the reviewers and write it straight
    into its database, past every check of the intake and the vault."""
    from sqlalchemy import insert

    from crypto import document
    from vault.models import Blob, Item
    from vault.transfer import load_directory

    doc = document.Document(
        "message", document.now(), "browser", {"kind": "message", "text": FORGED}
    )
    env = envelope.seal(doc.to_bytes(), load_directory(made.server_home).recipients())
    ref = vault.blobs.add_bytes(env).ref
    with vault.engine.begin() as conn:
        conn.execute(insert(Blob).values(sha256=ref.sha256, size=ref.size))
        conn.execute(insert(Item).values(case_id=case_id, kind="message", blob_sha=ref.sha256))


def test_report_to_reviewer_and_reply_back(org: demo.Demo, tmp_path: Path) -> None:
    client, vault = client_for(org)
    receipt = submit(client)

    # operator: export for the USB stick; reviewer Ani imports and reads it
    export = tmp_path / "export-1.bisik"
    server(org, "export", "--out", str(export))
    reviewer(org, "ani", "import", str(export))
    listing = reviewer(org, "ani", "list")
    (case_id,) = {item.case_id for item in vault.items_since(0)}
    assert case_id[:6] in listing
    shown = reviewer(org, "ani", "show", case_id)
    assert MARKER in shown

    # evidence comes out cleaned: the photo without GPS or camera fields, the recording withheld
    cleaned = tmp_path / "evidence"
    reviewer(org, "ani", "evidence", case_id, "--out", str(cleaned))
    (photo,) = cleaned.glob("*.jpg")
    tags = subprocess.run(
        ["exiftool", "-json", "-G", str(photo)], capture_output=True, text=True, check=True
    ).stdout
    assert "GPS" not in tags and "Budi Santoso" not in tags and "Canon" not in tags
    assert not list(cleaned.glob("*.NOT-CLEANED")) and not list(cleaned.glob("*.ORIGINAL.*"))
    # and the originals byte for byte, only on explicit request
    originals = tmp_path / "originals"
    reviewer(org, "ani", "evidence", case_id, "--out", str(originals), "--original")
    got = sorted(
        p.read_bytes()
        for p in originals.iterdir()
        if ".ORIGINAL." in p.name or p.name.endswith(".NOT-CLEANED")
    )
    assert got == sorted(EVIDENCE.values())

    # Ani acknowledges, replies, writes the outbox; the operator imports it
    reviewer(org, "ani", "status", case_id, "in_review")
    reviewer(org, "ani", "reply", case_id, "--message", REPLY)
    outbox = tmp_path / "outbox-ani.bisik"
    reviewer(org, "ani", "outbox", "--out", str(outbox))
    server(org, "import", str(outbox))

    # the reporter comes back with the receipt (typed in lower case with spaces)
    page = followup(client, receipt.lower().replace("-", " "))
    assert REPLY in page
    assert i18n.translate("id", "status.in_review") in page  # the signed status, verified

    # the reporter follows up; a compromised server slips a forged message into its database
    send_followup(client, receipt)
    inject_forged_message(org, vault, case_id)

    # Budi's laptop converges on the same history through the next export; the real follow-up
    # verifies against the key in the report, the forged one is refused and flagged
    # (by default an export carries only what is not acknowledged yet, and Ani's outbox
    # acknowledged the first one; Budi's laptop has imported nothing, so it asks for all)
    export2 = tmp_path / "export-2.bisik"
    server(org, "export", "--all", "--out", str(export2))
    reviewer(org, "budi", "import", str(export2))
    budi_view = reviewer(org, "budi", "show", case_id)
    assert MARKER in budi_view and REPLY in budi_view
    assert FOLLOWUP in budi_view and FORGED not in budi_view
    assert "REFUSED" in budi_view  # the forged message's line (show.msg_forged)
    assert "forged by the server" in budi_view  # the case's flag (flag.followup_forged)
    assert "UNPROVEN" not in budi_view  # the real one is proven, not merely kept

    # seizure: nothing under the server home identifies the reporter or opens the report
    needles = {
        "marker": MARKER.encode(),
        "receipt": receipt.encode(),
        "receipt (canonical)": receipt.replace("-", "").encode(),
        "reply text": REPLY.encode(),
        **{f"file name {n}": n.encode() for n in EVIDENCE},
        "client address": b"127.0.0.1",
    }
    # server.toml holds the loopback listen address the operator configured; nothing else may
    listen = f"{org.server_home / 'server.toml'}: client address"
    leaks = [hit for hit in scan(org.server_home, needles) if hit != listen]
    assert leaks == []
    # and the stored report does not open without a reviewer's private key
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    for blob in (org.server_home / "blobs").rglob("*"):
        if blob.is_file() and len(blob.name) == 62:
            with pytest.raises(DecryptionError), blob.open("rb") as f:
                envelope.unseal(f.read(), X25519PrivateKey.generate())
