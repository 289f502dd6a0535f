"""Proof of report end to end (issue 10 item 5), driven as people drive it.

A reporter submits (no-JS path), later sends a message and a retaliation report with
evidence, then downloads the proof from the follow-up page: as the signed file and as a
printable PDF. Consent changes (SPEC §14) are listed too, with their days, and a reviewer
who imported the case finds each listed consent hash among the case's consent changes. The PDF
reads back in Indonesian (pdftotext), its QR code (read from the printed
page with zbarimg) holds the whole signed file, and that file verifies with the organisation's
root public key alone — through ``bisik-reviewer verify-proof --root-pub`` run as a separate
process by someone with no reviewer keys, and through the intake's no-JS check page. Changing
any single byte of the file makes both refuse it. A proof/v2 file issued before consent
changes were listed still verifies through the same CLI.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from crypto import proof
from crypto.encoding import canonical_json
from crypto.errors import BisikError
from crypto.keys import load_ed25519_public
from intake import demo, i18n
from tests.demo_org import reviewer
from tests.e2e.helpers import CSRF_RE, client_for, server, submit


def proof_vectors() -> Path:
    """The committed test vectors (crypto/vectors)."""
    return Path(__file__).resolve().parents[2] / "crypto" / "vectors"


pytestmark = pytest.mark.slow


def _csrf(client: FlaskClient, path: str) -> str:
    match = CSRF_RE.search(client.get(path).get_data(as_text=True))
    assert match
    return match.group(1)


def _follow_up(client: FlaskClient, code: str, kind: str, evidence: bytes) -> None:
    data = {
        "csrf_token": _csrf(client, "/followup"),
        "receipt": code,
        "kind": kind,
        "text": f"{kind}: dipindahkan ke kecamatan terpencil",
        "share": "1",
        "retaliation_kind": "transfer" if kind == "retaliation" else "",
        "retaliation_month": "11",
        "retaliation_year": str(time.gmtime().tm_year - 1),
        "evidence_1": (io.BytesIO(evidence), "sk-mutasi.pdf"),
    }
    resp = client.post("/followup/message", data=data, content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_data(as_text=True)[-800:]


def _download(client: FlaskClient, code: str, fmt: str) -> bytes:
    data = {"csrf_token": _csrf(client, "/followup"), "receipt": code, "format": fmt}
    resp = client.post("/followup/proof", data=data)
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"].endswith(f'.{fmt}"')
    return resp.get_data()


def _verify_proof_cli(made: demo.Demo, path: Path, root_pub: Path) -> subprocess.CompletedProcess:
    """``bisik-reviewer verify-proof`` with only the root key: an empty home, no passphrase."""
    env = {**os.environ, "BISIK_LANG": "en", "BISIK_REVIEWER_HOME": str(made.root / "outsider")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "reviewer.cli",
            "verify-proof",
            str(path),
            "--root-pub",
            str(root_pub),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_proof_covers_every_item_and_verifies_with_the_root_key_only(
    org: demo.Demo,
    tmp_path: Path,
) -> None:
    client, vault = client_for(org)
    code = submit(client)
    _follow_up(client, code, "message", b"%PDF-1.4 surat perintah")
    _follow_up(client, code, "retaliation", b"%PDF-1.4 sk mutasi")
    signed_file = _download(client, code, "json")
    pdf = _download(client, code, "pdf")

    root_pub = org.server_home / "org" / "root.pub"
    root = load_ed25519_public(root_pub.read_bytes())
    checked = proof.verify(signed_file, root)
    assert [i.kind for i in checked.items] == ["report", "message", "retaliation"]
    history = vault.case_history(checked.case)
    stored = [e.blob.sha256 for e in history.entries if e.kind in proof.KINDS and e.blob]
    assert [i.envelope_sha256 for i in checked.items] == stored
    assert all(i.day == checked.issued for i in checked.items)  # all sent today
    assert len(checked.items[2].evidence) == 1

    # The printable PDF: Indonesian text, and a QR code holding the whole signed file.
    pdf_path = tmp_path / "bisik-proof.pdf"
    pdf_path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert i18n.translate("id", "proof.title") in text
    assert i18n.translate("id", "proof.kind_retaliation") in text
    assert checked.items[1].envelope_sha256 in text.replace(" ", "")
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", str(pdf_path), str(tmp_path / "page")], check=True
    )
    pages = [str(p) for p in sorted(tmp_path.glob("page*.png"))]
    scanned = subprocess.run(
        ["zbarimg", "--raw", "-q", *pages], capture_output=True, check=True
    ).stdout.strip()
    assert proof.verify(scanned, root) == checked

    # A third party with only the root key: the CLI, and the intake's no-JS check page.
    good = tmp_path / "bisik-proof.json"
    good.write_bytes(signed_file)
    done = _verify_proof_cli(org, good, root_pub)
    assert done.returncode == 0, done.stderr
    assert re.search(rf"VALID: .* case {checked.case}", done.stdout)
    assert done.stdout.count("received") == 3
    page = client.post(
        "/proof", data={"csrf_token": _csrf(client, "/proof"), "proof": signed_file.decode()}
    )
    assert page.status_code == 200 and 'id="proof-result"' in page.get_data(as_text=True)

    # Any single changed byte is refused (every position, by the library; samples, by the CLI
    # and the page, which run the same check in another process / through the web form).
    for at in range(len(signed_file)):
        bad = bytearray(signed_file)
        bad[at] ^= 0x01
        with pytest.raises(BisikError):
            proof.verify(bytes(bad), root)
    for at in random.Random(7).sample(range(len(signed_file)), 3):
        bad = bytearray(signed_file)
        bad[at] ^= 0x01
        flipped = tmp_path / f"flipped-{at}.json"
        flipped.write_bytes(bytes(bad))
        refused = _verify_proof_cli(org, flipped, root_pub)
        assert refused.returncode == 1 and "error:" in refused.stderr
        pasted = bytes(bad).decode("utf-8", "replace")
        page = client.post("/proof", data={"csrf_token": _csrf(client, "/proof"), "proof": pasted})
        assert page.status_code == 422


def test_proof_file_is_canonical_json(org: demo.Demo) -> None:
    client, _ = client_for(org)
    code = submit(client)
    data = _download(client, code, "json")
    assert json.loads(data)["bisik"] == proof.FORMAT == "proof/v3"
    assert canonical_json(json.loads(data)) == data  # the same bytes whoever re-serialises it


def _consent(client: FlaskClient, code: str, **choices: str) -> None:
    data = {"csrf_token": _csrf(client, "/followup"), "receipt": code, **choices}
    resp = client.post("/followup/consent", data=data)
    assert resp.status_code == 200, resp.get_data(as_text=True)[-800:]


def test_proof_lists_consent_changes_that_reviewers_can_confirm(
    org: demo.Demo,
    tmp_path: Path,
) -> None:
    client, _ = client_for(org)
    code = submit(client)
    _consent(client, code, authority_ombudsman="grant")
    _follow_up(client, code, "message", b"%PDF-1.4 surat")
    _consent(client, code, authority_ombudsman="withdraw", authority_bkn="withdraw")
    signed_file = _download(client, code, "json")
    root_pub = org.server_home / "org" / "root.pub"
    checked = proof.verify(signed_file, load_ed25519_public(root_pub.read_bytes()))
    assert [i.kind for i in checked.items] == ["report", "consent", "message", "consent"]
    assert all(i.day == checked.issued and not i.evidence for i in checked.consent_changes())

    # the PDF names each change in Indonesian and says what the proof shows of it
    pdf_path = tmp_path / "bisik-proof.pdf"
    pdf_path.write_bytes(_download(client, code, "pdf"))
    text = subprocess.run(
        ["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    assert flat.count(i18n.translate("id", "proof.kind_consent")) >= 2
    assert " ".join(i18n.translate("id", "proof.consent").split())[:60] in flat

    # a third party's CLI lists them; the no-JS page too
    path = tmp_path / "bisik-proof.json"
    path.write_bytes(signed_file)
    done = _verify_proof_cli(org, path, root_pub)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("consent change, received") == 2
    page = client.post(
        "/proof", data={"csrf_token": _csrf(client, "/proof"), "proof": signed_file.decode()}
    )
    assert 'id="proof-consent"' in page.get_data(as_text=True)

    # the reviewers confirm what each listed change said: its hash is a consent change they hold
    server(org, "export", "--all", "--out", str(tmp_path / "p.bisik"))
    reviewer(org, "ani", "import", str(tmp_path / "p.bisik"))
    shown = reviewer(org, "ani", "show", checked.case)
    found = re.findall(r"fingerprint in a proof of report: ([0-9a-f]{64})", shown)
    assert found == [i.envelope_sha256 for i in checked.consent_changes()]
    withdrawn = shown.split(found[1])[0].rsplit("(consent change)", 1)[1]
    assert "Ombudsman" in withdrawn and "BKN" in withdrawn


def test_a_proof_v2_file_still_verifies(org: demo.Demo, tmp_path: Path) -> None:
    """A proof issued before consent changes were listed (the committed v2 vector)."""
    vector = json.loads((proof_vectors() / "proof-ok-v2.json").read_text("utf-8"))
    root_pub = tmp_path / "root.pub"
    root_pub.write_bytes(bytes.fromhex(vector["root_public"]))
    path = tmp_path / "old-proof.json"
    path.write_bytes(vector["proof"].encode())
    done = _verify_proof_cli(org, path, root_pub)
    assert done.returncode == 0, done.stderr
    assert "version 2" in done.stdout and done.stdout.count("received") == 3
    path.write_bytes(vector["proof"].replace("proof/v2", "proof/v3").encode())
    assert _verify_proof_cli(org, path, root_pub).returncode == 1
