"""The statistics tab (``reviewer.app.statsscreen``) checked against the store: its charts draw
the counts of the store's cases."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from PySide6.QtSvgWidgets import QSvgWidget
from pytestqt.qtbot import QtBot

from reviewer import vocabulary as vocab
from tests.reviewer.helpers import PASSPHRASE, Org, make_report, status_by, write_export

from .helpers import import_bundle, unlock, window

SVG_TEXT = "{http://www.w3.org/2000/svg}text"


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
