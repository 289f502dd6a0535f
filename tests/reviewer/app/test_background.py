"""Slow calls off the GUI thread (``reviewer.app.background``): the window stays alive while
the slow library calls run: unlocking (Argon2id) and importing
(verifying a bundle) run off the GUI thread, the event loop keeps turning, the controls that
could reach the store wait, disabled, and locking lets a running import finish first."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot

from reviewer.app import holder, importer
from tests.reviewer.helpers import PASSPHRASE, Org, make_report, write_export

from .helpers import unlock, window

SLOW_SECONDS = 5  # the longest a held call waits; the tests release it well before


class Gate:
    """Wraps a library function so that a call waits until :meth:`open`, and records whether
    it was entered and whether it returned."""

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.entered, self.left, self.released = (threading.Event() for _ in range(3))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.entered.set()
        self.released.wait(SLOW_SECONDS)
        try:
            return self.real(*args, **kwargs)
        finally:
            self.left.set()

    def open(self) -> None:
        self.released.set()


def _event_loop_turns(qtbot: QtBot, gate: Gate) -> None:
    """While the held call has not returned, timer events keep being processed."""
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=2000)
    timer.stop()
    assert gate.entered.is_set() and not gate.left.is_set()


def _bundle(team: Org, tmp_path: Path) -> Path:
    path = tmp_path / "export.bisik"
    write_export(path, team.server_key, [make_report(team.directory(), ["ayu", "budi"])])
    return path


def test_unlock_runs_off_the_gui_thread(
    team: Org, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate(holder.open_home)
    monkeypatch.setattr(holder, "open_home", gate)
    win = window(qtbot, team.lead.home)
    qtbot.keyClicks(win.unlock.passphrase, PASSPHRASE)
    qtbot.keyClick(win.unlock.passphrase, Qt.Key.Key_Return)
    _event_loop_turns(qtbot, gate)
    assert not win.unlock.button.isEnabled() and win.workspace is None
    gate.open()
    qtbot.waitUntil(lambda: win.workspace is not None, timeout=SLOW_SECONDS * 1000)
    assert win.unlock.button.isEnabled()


def test_import_runs_off_the_gui_thread(
    team: Org, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = _bundle(team, tmp_path)
    ws = unlock(qtbot, window(qtbot, team.lead.home), PASSPHRASE)
    gate = Gate(importer.open_export)
    monkeypatch.setattr(importer, "open_export", gate)
    ws.importer.path.line.setText(str(bundle))
    ws.importer.button.click()
    _event_loop_turns(qtbot, gate)
    assert not ws.importer.button.isEnabled() and not ws.tabBar().isEnabled()
    gate.open()
    qtbot.waitUntil(lambda: not ws.importer.job.running, timeout=SLOW_SECONDS * 1000)
    assert not ws.importer.status.failed, ws.importer.status.text()
    assert ws.importer.progress.value() == ws.importer.progress.maximum()
    assert len(ws.cases.list.ids) == 1 and ws.tabBar().isEnabled()


def test_lock_lets_a_running_import_finish(
    team: Org, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = _bundle(team, tmp_path)
    win = window(qtbot, team.lead.home)
    ws = unlock(qtbot, win, PASSPHRASE)
    gate = Gate(importer.open_export)
    monkeypatch.setattr(importer, "open_export", gate)
    ws.importer.path.line.setText(str(bundle))
    ws.importer.button.click()
    qtbot.waitUntil(gate.entered.is_set, timeout=2000)
    threading.Timer(0.2, gate.open).start()
    win.lock("")  # Ctrl+L or the idle timer, mid-import
    assert gate.left.is_set() and win.workspace is None and win.holder.session is None
    ws = unlock(qtbot, win, PASSPHRASE)
    assert len(ws.cases.list.ids) == 1  # the import was completed, not cut off
