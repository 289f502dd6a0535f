"""The whole routine through the desktop app, from a real export to the reporter's page.

A reporter submits through the real intake (no-JavaScript path, Flask test client) with a
photo carrying GPS and camera metadata and a phone number in the description; the operator
runs ``bisik-server export``; reviewer Ani then works only in the app: unlock → import from
the "USB stick" → open the case → preview the cleaned photo (shown in the window, metadata
listed as removed) → reply + status → escalation to BKN with the phone number blacked out
(dossier PDF previewed, then written) → outbox. The operator runs ``bisik-server import`` on
that outbox and the reporter's follow-up page shows the reply and the signed status.

The promise: docs/REVIEWER.md §3a, the desktop app is the same routine without a terminal.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from intake import demo, i18n
from reviewer.escalation import redact
from reviewer.home import Config, Home
from tests.e2e.conftest import org as org  # the demo organisation, made by the real CLI
from tests.e2e.helpers import CSRF_RE, EVIDENCE, RECEIPT_RE, client_for, followup, server
from tests.intake.helpers import report_fields, with_files
from tests.reviewer.helpers import LETTERHEAD

from ..helpers import import_bundle, open_case, unlock, window

PHONE = "0812-3456-7890"
DESCRIPTION = f"PENANDA-APP camat memerintahkan apel siaga; yang menyuruh bisa dihubungi {PHONE}"
REPLY = "Terima kasih, laporan Anda kami telaah melalui aplikasi penelaah."


def submit(client: object) -> str:
    """A report with the e2e test's photo and recording, and a phone number in its text."""
    page = client.get("/submit").get_data(as_text=True)  # type: ignore[attr-defined]
    token = CSRF_RE.search(page)
    assert token
    files = {f"evidence_{i}": (data, name) for i, (name, data) in enumerate(EVIDENCE.items(), 1)}
    data = with_files(report_fields(token.group(1), description=DESCRIPTION, share=["1"]), files)
    resp = client.post(
        "/submit",
        data=data,  # type: ignore[attr-defined]
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200
    match = RECEIPT_RE.search(resp.get_data(as_text=True))
    assert match
    return match.group(1)


def test_routine_in_the_app(org: demo.Demo, qtbot: QtBot, tmp_path: Path) -> None:
    made = org
    client, vault = client_for(made)
    receipt = submit(client)
    usb = tmp_path / "usb"
    usb.mkdir()
    export = usb / "export-1.bisik"
    server(made, "export", "--out", str(export))
    home = Home(made.reviewer_homes["ani"])
    home.save_config(Config(**LETTERHEAD))  # the organisation's letterhead, set up once

    win = window(qtbot, home)
    ws = unlock(qtbot, win, made.passphrase)
    summary = import_bundle(ws, export)
    assert not ws.importer.status.failed, summary
    assert ws.importer.progress.value() == ws.importer.progress.maximum()
    (case_id,) = {item.case_id for item in vault.items_since(0)}
    assert ws.cases.list.ids == [case_id]

    view = open_case(ws, case_id)
    assert any(
        DESCRIPTION in label.text().replace("\u200b", "")
        for label in view.body.findChildren(QLabel)
    )
    photo = next(n for n, e in enumerate(view.case.evidence, 1) if e.name.endswith(".jpg"))
    view.preview(photo)
    assert len(view.pages.shown) == 1 and not view.pages.shown[0].isNull()
    assert "GPS" in view.preview_info.text()  # named among the removed fields
    assert not list(home.root.joinpath("work").rglob("*.*")), "a decrypted file was left"

    view.panel.reply_text.setPlainText(REPLY)
    view.panel.reply_button.click()
    view = ws.cases.view
    assert view is not None and not view.status.failed, view.status.text()
    view.panel.state.setCurrentIndex(view.panel.state.findData("in_review"))
    view.panel.status_button.click()
    view = ws.cases.view
    assert view is not None and view.case.status == ("in_review", None)

    # escalation: BKN (the reporter consented), the phone number blacked out, the rest kept
    view.panel.escalate_button.click()
    wizard = view.panel.wizard
    assert wizard is not None
    page = wizard.authority_page
    page.authority.setCurrentIndex(page.authority.findData("bkn"))
    assert page.isComplete()
    wizard.next()
    found = wizard.redaction_page.found
    assert any(c.kind == "phone" for c in found)
    for row, cand in enumerate(found):
        wizard.redaction_page.set_redacted(row, cand.kind == "phone")
    wizard.next()
    preview = wizard.preview_page
    assert not preview.summary.failed, preview.summary.text()
    assert preview.pages.shown, "the dossier's pages are shown before anything is written"
    dossier_dir = usb / "dossier-bkn"
    assert not dossier_dir.exists()
    preview.out.setText(str(dossier_dir))
    wizard.accept()  # the Finish button
    view = ws.cases.view
    assert view is not None and not view.status.failed, view.status.text()
    said = view.status.text().replace("\u200b", "")  # (break points in long words)
    assert str(dossier_dir / "dossier.pdf") in said  # where it was written ...
    assert "tab Pelacakan" in said  # ... and that sending it is still to be recorded
    pdf = dossier_dir / "dossier.pdf"
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    digits = re.sub(r"\D", "", text)
    assert "081234567890" not in digits
    assert redact.t("redact.token.phone").split()[0] in text
    assert "PENANDA-APP" in text

    ws.setCurrentWidget(ws.outbox)
    outbox = usb / "outbox-ani.bisik"
    ws.outbox.path.line.setText(str(outbox))
    ws.outbox.button.click()
    assert not ws.outbox.status.failed, ws.outbox.status.text()
    assert outbox.is_file()

    server(made, "import", str(outbox))
    page_html = followup(client, receipt)
    assert REPLY in page_html
    assert i18n.translate("id", "status.in_review") in page_html
