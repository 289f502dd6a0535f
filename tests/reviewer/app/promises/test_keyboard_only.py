"""Keyboard only: Tab reaches the unlock screen's controls, the case list's filters and table, and
the case view's action buttons; Enter and Space activate; Ctrl+L locks. The escalation wizard,
the tracking tab, the first-run screen and the lead's key ceremony are each walked from start to
finish with Tab, the arrow keys, Space, Enter and typing. No mouse event is sent.

The promise: docs/REVIEWER.md §3a, "Without a mouse" (every screen works from the keyboard
alone).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QPushButton, QWidget, QWizard
from pytestqt.qtbot import QtBot

from crypto.keys import raw_public
from reviewer import identity, org
from reviewer.app.orgscreen import OrgScreen
from reviewer.app.window import MainWindow
from reviewer.app.workspace import Workspace
from reviewer.home import Home
from reviewer.i18n import t
from tests.reviewer.helpers import PASSPHRASE, PROFILE, Org, make_report, write_export

from ..helpers import SIZE, import_bundle, unlock, window

NO_MODIFIER = Qt.KeyboardModifier.NoModifier
PHONE = "0812-3456-7890"


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


def _key(qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier = NO_MODIFIER) -> None:
    """Press one key where the keyboard focus is."""
    focus = QApplication.focusWidget()
    assert focus is not None, "nothing has the keyboard focus"
    qtbot.keyClick(focus, key, modifier)


def _choose(qtbot: QtBot, box: QComboBox, code: object, limit: int = 40) -> None:
    """With the focus on ``box``, press the arrow keys until the item ``code`` is chosen."""
    assert QApplication.focusWidget() is box
    qtbot.keyClick(box, Qt.Key.Key_Home)
    for _ in range(limit):
        if box.currentData() == code:
            return
        qtbot.keyClick(box, Qt.Key.Key_Down)
    raise AssertionError(f"the arrow keys never chose {code!r} in {box!r}")


def _type(qtbot: QtBot, text: str) -> None:
    """Type ``text`` where the keyboard focus is."""
    focus = QApplication.focusWidget()
    assert focus is not None
    qtbot.keyClicks(focus, text)


def _tab_to_tab(qtbot: QtBot, ws: Workspace, screen: QWidget, limit: int = 10) -> None:
    """Ctrl+Tab (from anywhere in the workspace) until ``screen``'s tab is shown."""
    for _ in range(limit):
        if ws.currentWidget() is screen:
            return
        _key(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    raise AssertionError("Ctrl+Tab never showed the tab")


def _workspace_by_keyboard(qtbot: QtBot, team: Org, bundle: Path) -> tuple[MainWindow, Workspace]:
    win = window(qtbot, team.lead.home)
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is win.unlock.passphrase)
    _type(qtbot, PASSPHRASE)
    _key(qtbot, Qt.Key.Key_Return)
    win.unlock.job.wait()
    ws = win.workspace
    assert ws is not None, win.unlock.status.text()
    text = import_bundle(ws, bundle)
    assert not ws.importer.status.failed, text
    ws.setCurrentWidget(ws.cases)
    ws.tabBar().setFocus()
    return win, ws


def test_escalation_wizard_by_keyboard_only(team: Org, qtbot: QtBot, tmp_path: Path) -> None:
    report = make_report(
        team.directory(),
        ["ayu", "budi"],
        text=f"Camat menyuruh apel; yang menyuruh bisa dihubungi di {PHONE}",
        consent={"authorities": ["bkn"]},
    )
    write_export(tmp_path / "export.bisik", team.server_key, [report])
    _win, ws = _workspace_by_keyboard(qtbot, team, tmp_path / "export.bisik")
    _tab_to(qtbot, lambda w: w is ws.cases.list.table)
    _key(qtbot, Qt.Key.Key_Down)
    _key(qtbot, Qt.Key.Key_Return)
    view = ws.cases.view
    assert view is not None
    _tab_to(qtbot, lambda w: w is view.panel.escalate_button)
    _key(qtbot, Qt.Key.Key_Space)
    wizard = view.panel.wizard
    assert wizard is not None
    qtbot.waitUntil(lambda: QApplication.activeWindow() is wizard)

    page = wizard.authority_page
    _tab_to(qtbot, lambda w: w is page.authority)
    _choose(qtbot, page.authority, "bkn")
    assert page.isComplete()
    _tab_to(qtbot, lambda w: w is page.level)
    _key(qtbot, Qt.Key.Key_Down)
    _tab_to(qtbot, lambda w: w is page.place)
    _type(qtbot, "Kabupaten Demak")
    _key(qtbot, Qt.Key.Key_Return)  # Next
    assert wizard.currentPage() is wizard.redaction_page

    redaction = wizard.redaction_page
    _tab_to(qtbot, lambda w: w is redaction.names)
    _type(qtbot, "Pak Camat")
    _tab_to(qtbot, lambda w: isinstance(w, QPushButton) and w.parent() is redaction)
    _key(qtbot, Qt.Key.Key_Space)  # look again, with the name typed
    table = _tab_to(qtbot, lambda w: w is redaction.table)
    for _ in range(len(redaction.found)):  # arrows down to the phone number; Space keeps it
        if redaction.found[redaction.table.currentRow()].kind == "phone":
            break
        qtbot.keyClick(table, Qt.Key.Key_Down)
    row = redaction.table.currentRow()
    assert redaction.found[row].kind == "phone" and redaction.table.currentColumn() == 0
    qtbot.keyClick(table, Qt.Key.Key_Space)
    assert redaction.found[row].key in redaction.decisions().keep
    qtbot.keyClick(table, Qt.Key.Key_Space)  # and back: blacked out
    assert redaction.found[row].key in redaction.decisions().redact
    _tab_to(qtbot, lambda w: w is redaction.context)
    _tab_to(qtbot, lambda w: w is wizard.button(QWizard.WizardButton.BackButton))
    next_button = _tab_to(qtbot, lambda w: w is wizard.button(QWizard.WizardButton.NextButton))
    qtbot.keyClick(next_button, Qt.Key.Key_Space)
    assert wizard.currentPage() is wizard.preview_page

    preview = wizard.preview_page
    assert preview.pages.shown, preview.summary.text()
    _tab_to(qtbot, lambda w: w is preview.out)
    out = tmp_path / "usb" / "dossier-bkn"
    _type(qtbot, str(out))
    _tab_to(qtbot, lambda w: isinstance(w, QPushButton) and w.parent() is preview)  # choose…
    _tab_to(qtbot, lambda w: w is wizard.button(QWizard.WizardButton.CancelButton))
    _tab_to(qtbot, lambda w: w is wizard.button(QWizard.WizardButton.FinishButton))
    _key(qtbot, Qt.Key.Key_Return)
    assert (out / "dossier.pdf").is_file()
    view = ws.cases.view
    assert view is not None and str(out / "dossier.pdf") in view.status.text().replace("\u200b", "")
    assert view.panel.wizard is None


def test_tracking_screen_by_keyboard_only(team: Org, qtbot: QtBot, tmp_path: Path) -> None:
    reports = [make_report(team.directory(), ["ayu", "budi"]) for _ in range(2)]
    write_export(tmp_path / "export.bisik", team.server_key, reports)
    _win, ws = _workspace_by_keyboard(qtbot, team, tmp_path / "export.bisik")
    _tab_to_tab(qtbot, ws, ws.tracking)
    screen, form = ws.tracking, ws.tracking.form
    late, other = sorted(r.case_id for r in reports)

    _tab_to(qtbot, lambda w: w is screen.case)
    _choose(qtbot, screen.case, late)
    _tab_to(qtbot, lambda w: w is screen.table)
    _tab_to(qtbot, lambda w: w is form.authority)
    _choose(qtbot, form.authority, "bawaslu")
    _tab_to(qtbot, lambda w: w is form.stage)
    _choose(qtbot, form.stage, "sent")
    day = _tab_to(qtbot, lambda w: w is form.day)
    for _ in range(2):  # the day field's first part is the year: two years ago, long late
        qtbot.keyClick(day, Qt.Key.Key_Down)
    _tab_to(qtbot, lambda w: w is form.reference)
    _type(qtbot, "001/BWSL/2026")
    escalate = _tab_to(qtbot, lambda w: w is form.escalate)
    qtbot.keyClick(escalate, Qt.Key.Key_Space)
    assert form.escalate.isChecked()
    _tab_to(qtbot, lambda w: w is form.button)
    _key(qtbot, Qt.Key.Key_Space)
    assert not screen.status.failed, screen.status.text()
    assert screen.table.rowCount() == 1 and screen.overdue == [late]
    assert ws.session.store.case(late).status == ("escalated", "bawaslu")

    _tab_to(qtbot, lambda w: w is screen.case)
    _tab_to(qtbot, lambda w: w is screen.reminders)  # Tab passes the table, now with a row
    _tab_to(qtbot, lambda w: w is screen.case)
    _choose(qtbot, screen.case, other)
    assert screen.table.rowCount() == 0
    reminders = _tab_to(qtbot, lambda w: w is screen.reminders)
    qtbot.keyClick(reminders, Qt.Key.Key_Down)
    qtbot.keyClick(reminders, Qt.Key.Key_Return)  # the reminder shows its case's chain
    assert screen.case.currentData() == late and screen.table.rowCount() == 1


def test_first_run_by_keyboard_only(team: Org, qtbot: QtBot, tmp_path: Path) -> None:
    home = Home(tmp_path / "citra")
    win = window(qtbot, home)
    setup = win.setup
    assert setup is not None
    setup.kdf_profile = PROFILE  # a fast Argon2id for the test
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is setup.reviewer_id)
    for text in ("citra", "Citra Dewi", PASSPHRASE):
        _type(qtbot, text)
        _key(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, PASSPHRASE)
    _key(qtbot, Qt.Key.Key_Return)
    setup.job.wait()
    assert setup.done_button.isEnabled(), setup.status.text()
    org.add_member(team.lead.home, home.public_json)  # the lead, on their laptop
    usb = tmp_path / "usb"
    usb.mkdir()
    (usb / "directory.json").write_bytes(
        org.sign(team.lead.home, PASSPHRASE, team.server_key.public_key())
    )

    trust = setup.trust
    _tab_to(qtbot, lambda w: w is trust.root_file.line)
    _type(qtbot, str(team.lead.home.root_pub))
    _tab_to(qtbot, lambda w: isinstance(w, QPushButton) and w.parent() is trust.root_file)
    _tab_to(qtbot, lambda w: w is trust.findChildren(QPushButton)[1])  # read the fingerprint
    _key(qtbot, Qt.Key.Key_Space)
    assert trust.root_read is not None, trust.status.text()
    _tab_to(qtbot, lambda w: w is trust.compared)
    _key(qtbot, Qt.Key.Key_Space)
    _tab_to(qtbot, lambda w: w is trust.pin_button)
    _key(qtbot, Qt.Key.Key_Space)
    assert home.root_pub.exists(), trust.status.text()
    _tab_to(qtbot, lambda w: w is trust.directory_file.line)
    _type(qtbot, str(usb / "directory.json"))
    _tab_to(qtbot, lambda w: w is trust.findChildren(QPushButton)[-1])  # use the directory
    _key(qtbot, Qt.Key.Key_Space)
    assert home.directory.exists(), trust.status.text()
    _tab_to(qtbot, lambda w: w is setup.done_button)
    _key(qtbot, Qt.Key.Key_Space)
    assert win.stack.currentWidget() is win.unlock
    assert QApplication.focusWidget() is win.unlock.passphrase
    _type(qtbot, PASSPHRASE)
    _key(qtbot, Qt.Key.Key_Return)
    win.unlock.job.wait()
    assert win.workspace is not None, win.unlock.status.text()


def test_key_ceremony_by_keyboard_only(qtbot: QtBot, tmp_path: Path) -> None:
    home = Home(tmp_path / "lead")
    identity.create(home, "ayu", "Ayu Lestari", PASSPHRASE, profile=PROFILE)
    siti = Home(tmp_path / "siti")
    identity.create(siti, "siti_r", "Siti Rahma", PASSPHRASE, profile=PROFILE)
    server_key = tmp_path / "server.pub"
    server_key.write_bytes(raw_public(Ed25519PrivateKey.generate().public_key()))
    screen = OrgScreen(home)
    screen.kdf_profile = PROFILE
    qtbot.addWidget(screen)
    screen.resize(*SIZE)
    screen.show()
    screen.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is screen)
    screen.table.setFocus()  # where the window puts the focus when the tab is chosen

    _tab_to(qtbot, lambda w: w is screen.org_name)
    _type(qtbot, "Pemantau Netralitas")
    for field in (screen.root_pass, screen.root_again):
        _tab_to(qtbot, lambda w, field=field: w is field)  # type: ignore[misc]
        _type(qtbot, PASSPHRASE)
    _tab_to(qtbot, lambda w: _text_is(w, "app.org.root_button"))
    _key(qtbot, Qt.Key.Key_Space)
    assert home.root_key.exists(), screen.status.text()

    for card in (home.public_json, siti.public_json):
        _tab_to(qtbot, lambda w: w is screen.card.line)
        qtbot.keyClick(screen.card.line, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        _type(qtbot, str(card))
        _tab_to(qtbot, lambda w: _text_is(w, "app.org.read_card"))
        _key(qtbot, Qt.Key.Key_Space)
        _tab_to(qtbot, lambda w: w is screen.compared)
        _key(qtbot, Qt.Key.Key_Space)
        _tab_to(qtbot, lambda w: w is screen.role)
        _tab_to(qtbot, lambda w: w is screen.add_button)
        _key(qtbot, Qt.Key.Key_Space)
        assert not screen.status.failed, screen.status.text()
    assert [m.id for m in org.load_members(home).reviewers] == ["ayu", "siti_r"]

    _tab_to(qtbot, lambda w: w is screen.revoke_id)
    _choose(qtbot, screen.revoke_id, "siti_r")
    _tab_to(qtbot, lambda w: w is screen.revoke_sure)
    _key(qtbot, Qt.Key.Key_Space)
    _tab_to(qtbot, lambda w: _text_is(w, "app.org.revoke_button"))
    _key(qtbot, Qt.Key.Key_Space)
    assert len(org.load_members(home).revoked) == 1, screen.status.text()

    out = tmp_path / "usb" / "directory.json"
    out.parent.mkdir()
    _tab_to(qtbot, lambda w: w is screen.server_key.line)
    _type(qtbot, str(server_key))
    days = _tab_to(qtbot, lambda w: w is screen.days)
    qtbot.keyClick(days, Qt.Key.Key_Up)
    _tab_to(qtbot, lambda w: w is screen.directory_out.line)
    _type(qtbot, str(out))
    _tab_to(qtbot, lambda w: w is screen.sign_pass)
    _type(qtbot, PASSPHRASE)
    _tab_to(qtbot, lambda w: _text_is(w, "app.org.sign_button"))
    _key(qtbot, Qt.Key.Key_Space)
    assert not screen.status.failed, screen.status.text()
    assert out.read_bytes() and [r.id for r in org.load_directory(home).active_reviewers()] == [
        "ayu"
    ]
    assert org.load_directory(home).expires - dt.date.today() >= dt.timedelta(days=90)


def _text_is(widget: QWidget | None, key: str) -> bool:
    return isinstance(widget, QPushButton) and widget.text() == t(key)


def test_the_case_list_by_keyboard(team: Org, qtbot: QtBot, tmp_path: Path) -> None:
    bundle = tmp_path / "export.bisik"
    reports = [
        make_report(team.directory(), ["ayu", "budi"], text=f"laporan {n}") for n in range(3)
    ]
    write_export(bundle, team.server_key, reports)
    win = window(qtbot, team.lead.home)
    ws = unlock(qtbot, win, PASSPHRASE)
    import_bundle(ws, bundle)
    ws.setCurrentWidget(ws.cases)
    table = ws.cases.list.table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Down)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert ws.cases.view is not None
    assert ws.cases.view.case.case_id == ws.cases.list.ids[table.currentRow()]
