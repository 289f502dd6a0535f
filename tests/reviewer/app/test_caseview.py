"""The case view (``reviewer.app.caseview``) checked against what the store holds: a private
note typed in the case view is kept in the store and shown again after the store was closed
and reopened."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from reviewer.app.caseview import CaseScreen
from reviewer.store import CaseStore
from tests.reviewer.helpers import PASSPHRASE, Org, make_report, write_export

from .helpers import import_bundle, open_case, unlock, window

NOTE = "Catatan pribadi: saksi kedua belum dihubungi, tunggu jawaban Bawaslu."


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
