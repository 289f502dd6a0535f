"""Shared helpers for the chromium tests (and the Tor tests and benches that drive the same
form): evidence files carrying a marker, the report form filled the way a reporter fills it,
and a stored case with signed and forged records for the follow-up page.

``page`` is a Playwright page and ``live`` the running service of conftest.py; both are typed
``Any`` because Playwright ships no stubs the project checks against.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto import document, envelope, records

FILE_MARKER = b"BISIK-PLAINTEXT-MARKER-7f3a"
TEXT_MARKER = "PENANDA-TEKS-RAHASIA-91c2"
REPLY = "Terima kasih. Kami sudah meneruskan ke BKN; simpan bukti mutasi Anda."


def marked_file(path: Path, size: int) -> bytes:
    """Write a random file of ``size`` bytes with FILE_MARKER at its start, middle and end to
    ``path``; returns its bytes."""
    body = bytearray(os.urandom(size))
    for at in (0, size // 2, size - len(FILE_MARKER)):
        body[at : at + len(FILE_MARKER)] = FILE_MARKER
    path.write_bytes(bytes(body))
    return bytes(body)


def fill_report(page: Any, files: list[Path]) -> None:
    """Fill every required field of the report form (TEXT_MARKER in the description, BKN
    consented, the first file shared) and choose ``files`` as evidence; does not send it."""
    page.select_option("#category", "mobilisation")
    page.select_option("#election", "pilkada")
    page.select_option("#province", index=1)
    page.fill("#regency", "Kabupaten Uji")
    page.select_option("#agency_kind", "regency")
    page.select_option("#incident_month", "03")
    page.select_option("#incident_year", index=2)
    page.fill("#reported_position", "Kepala Dinas")
    page.fill("#description", f"Rapat arahan dukungan. {TEXT_MARKER}")
    page.check('input[name="consent_authority"][value="bkn"]')
    page.check('input[name="share"][value="1"]')
    for i, f in enumerate(files, start=1):
        page.set_input_files(f"#evidence_{i}", str(f))


def make_case(live: Any, org: Any) -> tuple[str, str]:
    """A stored case with one status, one reply and one forged status; returns (receipt, id).

    Budi signs "received" and "in_review" and the REPLY (sealed to the receipt's reply key);
    a "closed" status signed by a key outside the directory is stored too, which the page
    must not show."""
    code, case_id, sec = live.stored_case(org)  # follow-ups must be signed (SPEC §12)
    vault = live.app.extensions["bisik"].vault
    budi = org.reviewers["budi"]
    vault.add_status(
        case_id, records.status(budi.signing, case_id, "received", at="2026-11-01T08:00:00+00:00")
    )
    vault.add_status(
        case_id, records.status(budi.signing, case_id, "in_review", at="2026-11-02T08:00:00+00:00")
    )
    # signed by a key that is not in the directory: the browser must not show it
    forged = records.status(
        Ed25519PrivateKey.generate(),
        case_id,
        "closed_unsubstantiated",
        at="2026-11-03T08:00:00+00:00",
    )
    vault.add_status(case_id, forged)
    reply = document.Document(
        type="reply", submitted_at=document.now(), channel="reviewer", fields={"text": REPLY}
    )
    rref = vault.blobs.put_bytes(envelope.seal(reply.to_bytes(), [sec.reply_public]))
    vault.add_reply(
        case_id,
        records.reply(budi.signing, case_id, rref.sha256, at="2026-11-02T09:00:00+00:00"),
        rref,
    )
    return code, case_id
