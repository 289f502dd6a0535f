"""Readable with a large system font: the unlock screen, every tab, and the first-run set-up
screen still fit the 1366×768 laptop screen."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.reviewer.helpers import PASSPHRASE, Org, make_report, write_export

from .helpers import SIZE, import_bundle, open_case, unlock, window


def test_every_tab_fits_with_a_large_font(team: Org, qtbot: QtBot, tmp_path: Path) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    normal = app.font()
    large = app.font()
    large.setPointSizeF(normal.pointSizeF() * 1.4)
    app.setFont(large)
    try:
        bundle = tmp_path / "export.bisik"
        report = make_report(team.directory(), ["ayu", "budi"])
        write_export(bundle, team.server_key, [report])
        win = window(qtbot, team.lead.home)
        QApplication.processEvents()
        hint = win.stack.currentWidget().minimumSizeHint()  # the unlock screen
        assert win.stack.currentWidget() is win.unlock
        assert hint.width() <= SIZE[0] and hint.height() <= SIZE[1], hint
        ws = unlock(qtbot, win, PASSPHRASE)
        import_bundle(ws, bundle)
        open_case(ws, report.case_id)
        for index in range(ws.count()):
            ws.setCurrentIndex(index)
            QApplication.processEvents()
            hint = ws.currentWidget().minimumSizeHint()
            assert hint.width() <= SIZE[0] and hint.height() <= SIZE[1], (index, hint)
        assert (win.width(), win.height()) == SIZE
        fresh = window(qtbot, tmp_path / "fresh")  # no key yet: the set-up screen
        QApplication.processEvents()
        hint = fresh.stack.currentWidget().minimumSizeHint()
        assert fresh.setup is not None and fresh.stack.currentWidget() is fresh.setup
        assert hint.width() <= SIZE[0] and hint.height() <= SIZE[1], hint
        assert (fresh.width(), fresh.height()) == SIZE
    finally:
        app.setFont(normal)
