"""Three screens checked against what the store holds: a private note typed in the case view is
kept in the store and shown again after the store was closed and reopened; the escalation
wizard's preview shows every page of the dossier it then writes, page for page; the statistics
tab draws the counts of the store's cases."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pypdfium2 as pdfium
from PySide6.QtSvgWidgets import QSvgWidget
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from reviewer import vocabulary as vocab
from reviewer.app import pictures
from reviewer.app.caseview import CaseScreen
from reviewer.store import CaseStore
from tests.reviewer.helpers import PASSPHRASE, Org, make_report, status_by, write_export

from .helpers import import_bundle, open_case, unlock, window

NOTE = "Catatan pribadi: saksi kedua belum dihubungi, tunggu jawaban Bawaslu."
SVG_TEXT = "{http://www.w3.org/2000/svg}text"


def _labels(view: CaseScreen) -> list[str]:
    return [label.text().replace("\u200b", "") for label in view.body.findChildren(QLabel)]


def test_note_is_kept_in_the_store_and_shown_after_reopening(
    team: Org, qtbot: QtBot, tmp_path: Path
) -> None:
    report = make_report(team.directory(), ["ayu", "budi"])
    write_export(tmp_path / "export.bisik", team.server_key, [report])
    win = window(qtbot, team.lead.home)
    ws = unlock(qtbot, win, PASSPHRASE)
    import_bundle(ws, tmp_path / "export.bisik")
    view = open_case(ws, report.case_id)
    assert NOTE not in _labels(view)
    qtbot.keyClicks(view.panel.note_text, NOTE)
    view.panel.note_button.click()
    view = ws.cases.view  # built again from the store, saying what happened
    assert view is not None and not view.status.failed, view.status.text()
    assert NOTE in _labels(view)
    win.lock("")  # the store is closed

    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        notes = store.case(report.case_id).notes
    assert [(n.by, n.text) for n in notes] == [("ayu", NOTE)]
    ws = unlock(qtbot, win, PASSPHRASE)
    assert NOTE in _labels(open_case(ws, report.case_id))


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


def _bars(svg: str) -> list[tuple[str, str]]:
    """(label, number shown) of each bar of an SVG chart drawn by reviewer.ui.svgchart."""
    root = ElementTree.fromstring(svg)  # noqa: S314 (the app's own chart)
    texts = [el.text or "" for el in root.iter(SVG_TEXT)][1:]  # after the title
    return list(zip(texts[::2], texts[1::2], strict=True))


def test_statistics_charts_count_the_stores_cases(team: Org, qtbot: QtBot, tmp_path: Path) -> None:
    """Six acknowledged cases about mobilisation in Jawa Tengah, five about social media in
    Lampung and one not yet acknowledged (counted as reported only): the charts say so."""
    wanted = [("mobilisation", "Jawa Tengah")] * 6 + [("social_media", "Lampung")] * 5
    reports = [
        make_report(
            team.directory(),
            ["ayu", "budi"],
            fields={"category": cat, "province": place, "description": f"laporan nomor {n}"},
        )
        for n, (cat, place) in enumerate([*wanted, ("props", "Aceh")])
    ]
    acked = {
        r.case_id: [("status", status_by(team.colleague, r.case_id, "in_review"))]
        for r in reports[:-1]
    }
    write_export(tmp_path / "export.bisik", team.server_key, reports, records_by_case=acked)
    ws = unlock(qtbot, window(qtbot, team.lead.home), PASSPHRASE)
    import_bundle(ws, tmp_path / "export.bisik")
    ws.setCurrentWidget(ws.stats)
    ws.stats.count_button.click()
    assert not ws.stats.status.failed, ws.stats.status.text()

    charts = ws.stats.charts
    by_category = [shown for _, shown in _bars(charts["by_category"])]
    assert by_category == [
        {"mobilisation": "6", "social_media": "5"}.get(code, "0") for code in vocab.CATEGORIES
    ]
    assert _bars(charts["by_region"]) == [("Jawa Tengah", "6"), ("Lampung", "5")]
    assert _bars(charts["funnel"])[0][1] == "12"  # reported: the unacknowledged case too
    drawn = ws.stats.charts_area.widget().findChildren(QSvgWidget)
    assert len(drawn) == len(charts) and all(w.renderer().isValid() for w in drawn)
