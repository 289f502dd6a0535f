"""Keyboard only: Tab reaches the unlock screen's controls, the case list's filters and table, and
the case view's action buttons; Enter and Space activate; Ctrl+L locks. No mouse event is sent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from tests.reviewer.factory import PASSPHRASE, Org, make_report, write_export

from .drive import import_bundle, window


def _tab_to(qtbot: QtBot, target: Callable[[QWidget | None], bool], limit: int = 300) -> QWidget:
    """Press Tab until the focused widget is the one wanted; fail if Tab never reaches it."""
    seen: list[QWidget | None] = []
    for _ in range(limit):
        focus = QApplication.focusWidget()
        seen.append(focus)
        if target(focus):
            assert focus is not None
            return focus
        assert focus is not None, "nothing has the keyboard focus"
        qtbot.keyClick(focus, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached the control; visited {seen[:12]!r}")


def test_daily_routine_by_keyboard_only(team: Org, qtbot: QtBot, tmp_path: Path) -> None:
    report = make_report(team.directory(), ["ayu", "budi"])
    write_export(tmp_path / "export.bisik", team.server_key, [report])
    win = window(qtbot, team.lead.home)
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)

    screen = win.unlock
    _tab_to(qtbot, lambda w: w is screen.language)
    _tab_to(qtbot, lambda w: w is screen.button)
    field = _tab_to(qtbot, lambda w: w is screen.passphrase)
    qtbot.keyClicks(field, PASSPHRASE)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    screen.job.wait()
    ws = win.workspace
    assert ws is not None, screen.status.text()
    text = import_bundle(ws, tmp_path / "export.bisik")
    assert not ws.importer.status.failed, text
    ws.setCurrentWidget(ws.cases)
    ws.cases.refresh()
    ws.tabBar().setFocus()

    cases = ws.cases.list
    for box in (cases.status, cases.category, cases.region, cases.due, cases.assigned):
        _tab_to(qtbot, lambda w, box=box: w is box)  # type: ignore[misc]
    flagged = _tab_to(qtbot, lambda w: w is cases.flagged)
    qtbot.keyClick(flagged, Qt.Key.Key_Space)
    assert cases.flagged.isChecked()
    qtbot.keyClick(flagged, Qt.Key.Key_Space)
    assert not cases.flagged.isChecked() and cases.table.rowCount() == 1
    table = _tab_to(qtbot, lambda w: w is cases.table)
    cases.table.setCurrentCell(0, 0)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    view = ws.cases.view
    assert view is not None and ws.cases.currentWidget() is view

    panel = view.panel
    for button in (
        panel.reply_button,
        panel.status_button,
        panel.note_button,
        panel.assign_button,
        panel.link_button,
        panel.escalate_button,
    ):
        if button.isEnabled():  # link waits for a case to link to; a disabled button takes no focus
            _tab_to(qtbot, lambda w, button=button: w is button)  # type: ignore[misc]

    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: win.workspace is None)
    assert win.stack.currentWidget() is win.unlock
