"""The escalation wizard (``reviewer.app.escalation``) checked against what it writes: its
preview shows every page of the dossier it then writes, page for page."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from reviewer.app import pictures
from tests.reviewer.helpers import PASSPHRASE, Org, make_report, write_export

from .helpers import import_bundle, open_case, unlock, window


def test_dossier_preview_shows_every_page_that_is_written(
    team: Org, qtbot: QtBot, tmp_path: Path
) -> None:
    long_text = " ".join(
        f"Pada apel ke-{n} camat meminta para kepala seksi hadir dan membawa keluarga."
        for n in range(90)
    )
    report = make_report(
        team.directory(), ["ayu", "budi"], text=long_text, consent={"authorities": ["bkn"]}
    )
    write_export(tmp_path / "export.bisik", team.server_key, [report])
    ws = unlock(qtbot, window(qtbot, team.lead.home), PASSPHRASE)
    import_bundle(ws, tmp_path / "export.bisik")
    view = open_case(ws, report.case_id)
    view.panel.escalate_button.click()
    wizard = view.panel.wizard
    assert wizard is not None
    page = wizard.authority_page
    page.authority.setCurrentIndex(page.authority.findData("bkn"))
    wizard.next()
    wizard.next()
    preview = wizard.preview_page
    assert not preview.summary.failed, preview.summary.text()
    pictures_shown = [
        label.pixmap()
        for label in preview.pages.inner.findChildren(QLabel)
        if not label.pixmap().isNull()
    ]
    shown = list(preview.pages.shown)
    out = tmp_path / "usb" / "dossier-bkn"
    preview.out.setText(str(out))
    wizard.accept()
    pdf = (out / "dossier.pdf").read_bytes()

    pages = len(pdfium.PdfDocument(pdf))
    assert pages >= 2, "the long report makes a dossier of several pages"
    assert len(pictures_shown) == len(shown) == pages
    written = pictures.pdf_pages(pdf, scale=1.3)
    assert [img == drawn for img, drawn in zip(shown, written, strict=True)] == [True] * pages
