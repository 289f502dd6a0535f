"""Helpers that drive the app's screens as a reviewer would (typing, clicking, choosing)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from reviewer.app.caseview import CaseScreen
from reviewer.app.window import MainWindow
from reviewer.app.workspace import Workspace
from reviewer.home import Home

SIZE = (1366, 768)


def window(qtbot: QtBot, home: Path | Home, idle_minutes: float = 15) -> MainWindow:
    """The main window for ``home`` at the laptop size the screens are made for."""
    win = MainWindow(home if isinstance(home, Home) else Home(home), idle_minutes=idle_minutes)
    qtbot.addWidget(win)
    win.resize(*SIZE)
    win.show()
    return win


def unlock(qtbot: QtBot, win: MainWindow, passphrase: str) -> Workspace:
    """Type the passphrase and press Enter; the workspace must appear."""
    qtbot.keyClicks(win.unlock.passphrase, passphrase)
    qtbot.keyClick(win.unlock.passphrase, Qt.Key.Key_Return)
    win.unlock.job.wait()  # Argon2id runs off the GUI thread
    assert win.workspace is not None, win.unlock.status.text()
    return win.workspace


def import_bundle(ws: Workspace, bundle: Path) -> str:
    """Type the bundle's path on the import tab and press Import; the status text."""
    ws.setCurrentWidget(ws.importer)
    ws.importer.path.line.setText(str(bundle))
    ws.importer.button.click()
    ws.importer.job.wait()  # verification and merge run off the GUI thread
    return ws.importer.status.text()


def open_case(ws: Workspace, case_id: str) -> CaseScreen:
    """Select the case's row in the list and press Enter."""
    ws.setCurrentWidget(ws.cases)
    ws.cases.refresh()
    row = ws.cases.list.ids.index(case_id)
    ws.cases.list.table.setCurrentCell(row, 0)
    ws.cases.list.open_selected()
    view = ws.cases.view
    assert view is not None
    return view


def record_step(
    ws: Workspace,
    case_id: str,
    authority: str,
    stage: str,
    day: dt.date,
    reference: str = "",
    set_status: bool = False,
) -> str:
    """On the tracking tab: choose the case, the authority and stage (codes), the day, type the
    reference, tick "set the status too" if asked and press the record button; the status
    text."""
    ws.setCurrentWidget(ws.tracking)
    screen = ws.tracking
    screen.case.setCurrentIndex(screen.case.findData(case_id))
    form = screen.form
    for box, code in ((form.authority, authority), (form.stage, stage)):
        index = box.findData(code)
        assert index >= 0, f"{code} is not offered"
        box.setCurrentIndex(index)
    form.day.setDate(QDate(day.year, day.month, day.day))
    form.reference.setText(reference)
    form.escalate.setChecked(set_status)
    form.button.click()
    return screen.status.text()
