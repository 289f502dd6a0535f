"""The unlock screen (``reviewer.app.unlock``): its language choice switches the app to English
(a setting, not only ``--lang``)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from tests.reviewer.helpers import PASSPHRASE, Org

from .helpers import unlock, window


def test_english_by_a_setting(team: Org, qtbot: QtBot, monkeypatch: object) -> None:
    monkeypatch.setenv("BISIK_LANG", "id")  # type: ignore[attr-defined]
    win = window(qtbot, team.lead.home)
    assert win.unlock.button.text() == "Buka kunci"
    win.unlock.language.setCurrentIndex(win.unlock.language.findData("en"))
    assert win.unlock.button.text() == "Unlock"
    ws = unlock(qtbot, win, PASSPHRASE)
    assert ws.tabText(0) == "&Cases"
