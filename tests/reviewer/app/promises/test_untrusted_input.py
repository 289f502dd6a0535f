"""What the app refuses and what it will not be fooled by: a tampered or foreign bundle, a
wrong passphrase, reporter text that tries to look like the app, an idle window.

The promise: docs/THREAT_MODEL.md P4 (a tampered or foreign bundle changes nothing) and
docs/REVIEWER.md §3a (the window locks itself when idle; reporter text is shown in a framed box
as plain text).
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPlainTextEdit
from pytestqt.qtbot import QtBot

from tests.reviewer.helpers import PASSPHRASE, Org, make_report, tree_snapshot, write_export

from ..helpers import SIZE, import_bundle, open_case, unlock, window

TRICKS = {
    "bidi": "bukti foto \u202egpj.exe\u202c dan \u2066status: selesai\u2069",
    "markup": "<b>STATUS: DITUTUP</b> <a href='file:///etc/passwd'>klik di sini</a> <img src=x>",
    "long": "x" * 6000,
}


def _bundle(team: Org, path: Path, server: Ed25519PrivateKey | None = None) -> str:
    report = make_report(team.directory(), ["ayu", "budi"], text=" ".join(TRICKS.values()))
    write_export(path, server or team.server_key, [report])
    return report.case_id


def test_tampered_and_foreign_bundles_are_refused_on_screen(
    team: Org, qtbot: QtBot, tmp_path: Path
) -> None:
    good = tmp_path / "export.bisik"
    _bundle(team, good)
    tampered = tmp_path / "tampered.bisik"
    data = bytearray(good.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered.write_bytes(bytes(data))
    foreign = tmp_path / "foreign.bisik"
    _bundle(team, foreign, Ed25519PrivateKey.generate())  # signed by another server
    ws = unlock(qtbot, window(qtbot, team.lead.home), PASSPHRASE)
    before = tree_snapshot(team.lead.home.store)
    for bad in (tampered, foreign, tmp_path / "missing.bisik"):
        text = import_bundle(ws, bad)
        assert ws.importer.status.failed, text
        assert text.strip() and ws.importer.progress.value() == 0
        assert tree_snapshot(team.lead.home.store) == before  # nothing was stored
    assert ws.cases.list.ids == []
    import_bundle(ws, good)
    assert not ws.importer.status.failed
    assert len(ws.cases.list.ids) == 1


def test_wrong_passphrase_says_so_and_changes_nothing(team: Org, qtbot: QtBot) -> None:
    win = window(qtbot, team.lead.home)
    before = tree_snapshot(team.lead.home.root)
    qtbot.keyClicks(win.unlock.passphrase, "bukan frasa sandinya")
    qtbot.keyClick(win.unlock.passphrase, Qt.Key.Key_Return)
    win.unlock.job.wait()
    assert win.workspace is None
    assert win.unlock.status.failed and win.unlock.status.text()
    assert win.unlock.passphrase.text() == ""  # the typed secret does not linger in the field
    assert tree_snapshot(team.lead.home.root) == before
    unlock(qtbot, win, PASSPHRASE)


def test_idle_window_locks_itself(team: Org, qtbot: QtBot) -> None:
    win = window(qtbot, team.lead.home, idle_minutes=0.005)  # 0.3 s
    unlock(qtbot, win, PASSPHRASE)
    qtbot.waitUntil(lambda: win.workspace is None, timeout=5000)
    assert win.holder.session is None
    assert win.stack.currentWidget() is win.unlock
    # the store lock is released: the command line may open it again
    from reviewer.session import open_home

    with open_home(team.lead.home, PASSPHRASE, holder="command"):
        pass


def test_reporter_text_stays_plain_text_inside_its_box(
    team: Org, qtbot: QtBot, tmp_path: Path
) -> None:
    bundle = tmp_path / "export.bisik"
    case_id = _bundle(team, bundle)
    win = window(qtbot, team.lead.home)
    ws = unlock(qtbot, win, PASSPHRASE)
    import_bundle(ws, bundle)
    view = open_case(ws, case_id)
    labels = view.findChildren(QLabel)
    for label in labels:  # no widget of the case view interprets text as markup or links
        assert label.textFormat() == Qt.TextFormat.PlainText
        assert not label.openExternalLinks()
        assert not {"\u202e", "\u2066", "\u202c", "\u2069"} & set(label.text())
    (description,) = [lb for lb in labels if "klik di sini" in lb.text()]
    assert "<b>STATUS: DITUTUP</b>" in description.text()  # shown as typed, not as bold
    assert "\ufffd" in description.text()  # the bidi marks made visible
    assert description.frameShape() != description.Shape.NoFrame  # inside the reporter's box
    qtbot.waitExposed(win)
    assert (win.width(), win.height()) == SIZE  # 6000 characters did not widen the window
    assert description.width() <= view.width()
    for edit in view.findChildren(QPlainTextEdit):
        assert edit.toPlainText() == ""  # reporter text is never put into an editable field


def test_locking_during_an_escalation_leaves_no_plaintext(
    team: Org, qtbot: QtBot, tmp_path: Path
) -> None:
    bundle = tmp_path / "export.bisik"
    report = make_report(team.directory(), ["ayu", "budi"], consent={"authorities": ["bkn"]})
    write_export(bundle, team.server_key, [report])
    win = window(qtbot, team.lead.home)
    ws = unlock(qtbot, win, PASSPHRASE)
    import_bundle(ws, bundle)
    view = open_case(ws, report.case_id)
    view.panel.escalate_button.click()
    wizard = view.panel.wizard
    assert wizard is not None
    wizard.authority_page.authority.setCurrentIndex(wizard.authority_page.authority.findData("bkn"))
    wizard.next()
    wizard.next()  # drafted: the shared evidence is decrypted in the private work dir
    work = team.lead.home.root / "work"
    assert [p for p in work.rglob("*") if p.is_file()]
    win.lock("")
    assert [p for p in work.rglob("*") if p.is_file()] == []
