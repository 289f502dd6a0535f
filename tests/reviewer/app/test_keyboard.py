"""The daily routine by keyboard alone: type the passphrase and press Enter, move through the
case list with the arrow keys and open a case with Enter, Tab from the reply text to its button
and press Space (the reply is signed and queued), lock with Ctrl+L."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from tests.reviewer.factory import PASSPHRASE, Org, make_report, write_export

from .drive import import_bundle, unlock, window

REPLY = "Terima kasih, laporan Anda kami terima."


def _focus(qtbot: QtBot, widget: QWidget) -> None:
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(widget.hasFocus, timeout=2000)


def _tab_until(qtbot: QtBot, start: QWidget, target: QWidget, limit: int = 40) -> int:
    """Press Tab from ``start`` until ``target`` has the focus; how many presses it took."""
    for n in range(1, limit + 1):
        focused = QApplication.focusWidget()
        assert focused is not None
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
        if target.hasFocus():
            return n
    raise AssertionError(f"{target!r} is not reachable by Tab from {start!r}")


def test_the_routine_by_keyboard(team: Org, qtbot: QtBot, tmp_path: Path) -> None:
    reports = [make_report(team.directory(), ["ayu", "budi"]) for _ in range(2)]
    write_export(tmp_path / "export.bisik", team.server_key, reports)
    win = window(qtbot, team.lead.home)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=2000)
    ws = unlock(qtbot, win, PASSPHRASE)  # keys typed into the field, then Enter
    assert not import_bundle(ws, tmp_path / "export.bisik").startswith("!")

    ws.setCurrentWidget(ws.cases)
    ws.cases.refresh()
    table = ws.cases.list.table
    _focus(qtbot, table)
    qtbot.keyClick(table, Qt.Key.Key_Down)  # the first row, then the second
    qtbot.keyClick(table, Qt.Key.Key_Down)
    chosen = ws.cases.list.ids[table.currentRow()]
    qtbot.keyClick(table, Qt.Key.Key_Return)
    view = ws.cases.view
    assert view is not None and view.case.case_id == chosen

    panel = view.panel
    _focus(qtbot, panel.reply_text)
    qtbot.keyClicks(panel.reply_text, REPLY)
    # Tab in a text box moves on (it does not type a tab), and reaches the reply button
    assert _tab_until(qtbot, panel.reply_text, panel.reply_button) == 1
    qtbot.keyClick(panel.reply_button, Qt.Key.Key_Space)
    view = ws.cases.view
    assert view is not None and not view.status.failed, view.status.text()
    assert [m.fields.get("message") for m in view.case.messages if m.type == "reply"] == [REPLY]

    qtbot.keyClick(view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert win.workspace is None and win.stack.currentWidget() is win.unlock
