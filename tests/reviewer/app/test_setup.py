"""The first run in the app: an empty laptop gets its reviewer key, the organisation's root key
and directory from the set-up screen (the library calls of ``init``, ``org pin`` and ``org
use``), then unlocks and imports a real export. Refusals are said on screen, nothing changed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from reviewer import identity, org
from reviewer.app.setup import SetupScreen
from reviewer.app.trust import TrustBox
from reviewer.app.window import MainWindow
from reviewer.home import Home
from tests.reviewer.helpers import PASSPHRASE, PROFILE, Org, make_org, make_report, write_export

from .helpers import import_bundle, open_case, unlock, window


def _fill(qtbot: QtBot, setup: SetupScreen, rid: str, name: str, first: str, again: str) -> None:
    """Type the form as a reviewer would and press Enter in the last field."""
    setup.kdf_profile = PROFILE
    qtbot.keyClicks(setup.reviewer_id, rid)
    qtbot.keyClicks(setup.name, name)
    qtbot.keyClicks(setup.secret, first)
    qtbot.keyClicks(setup.again, again)
    qtbot.keyClick(setup.again, Qt.Key.Key_Return)
    setup.job.wait()  # Argon2id runs off the GUI thread


def _pin(trust: TrustBox, root_pub: Path) -> None:
    trust.root_file.line.setText(str(root_pub))
    trust.read_root()
    assert not trust.pin_button.isEnabled(), "pinning waits for the fingerprint tick"
    trust.compared.setChecked(True)
    trust.pin_button.click()


def _use(trust: TrustBox, data: bytes, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    trust.directory_file.line.setText(str(path))
    trust.use()


def _setup_screen(qtbot: QtBot, home: Home) -> tuple[SetupScreen, MainWindow]:
    win = window(qtbot, home)
    assert win.setup is not None and win.stack.currentWidget() is win.setup
    return win.setup, win


def test_empty_laptop_to_imported_case(team: Org, qtbot: QtBot, tmp_path: Path) -> None:
    home = Home(tmp_path / "citra")
    win = window(qtbot, home)
    setup = win.setup
    assert setup is not None and win.stack.currentWidget() is setup
    assert not setup.trust.isEnabled(), "no organisation before the reviewer has a key"
    _fill(qtbot, setup, "citra", "Citra Dewi", PASSPHRASE, PASSPHRASE)
    assert not setup.status.failed, setup.status.text()
    _rid, _name, _keys, fp = identity.read_public_card(home.public_json)
    assert f"Sidik jari (bacakan kepada pemimpin tim): {fp}" in setup.status.text()
    assert home.public_png.exists()  # the QR code the command writes too
    # The lead, on their own laptop, adds the card after comparing fingerprints and signs.
    org.add_member(team.lead.home, home.public_json)
    data = org.sign(team.lead.home, PASSPHRASE, team.server_key.public_key())
    _pin(setup.trust, team.lead.home.root_pub)
    assert not setup.trust.status.failed, setup.trust.status.text()
    assert home.root_pub.read_bytes() == team.lead.home.root_pub.read_bytes()
    _use(setup.trust, data, tmp_path / "usb" / "directory.json")
    assert not setup.trust.status.failed, setup.trust.status.text()
    assert "citra" in [r.id for r in org.load_directory(home).active_reviewers()]
    setup.done_button.click()
    assert win.stack.currentWidget() is win.unlock
    ws = unlock(qtbot, win, PASSPHRASE)
    report = make_report(org.load_directory(home), ["citra", "ayu"])
    bundle = tmp_path / "usb" / "export-2026-11-20.bisik"
    write_export(bundle, team.server_key, [report])
    summary = import_bundle(ws, bundle)
    assert not ws.importer.status.failed, summary
    assert open_case(ws, report.case_id).case.case_id == report.case_id
    # A later directory from the lead is used from the organisation tab.
    newer = org.sign(team.lead.home, PASSPHRASE, team.server_key.public_key())
    _use(ws.org.trust, newer, tmp_path / "usb2" / "directory.json")
    assert not ws.org.trust.status.failed, ws.org.trust.status.text()
    assert org.load_directory(home).serial == org.load_directory(team.lead.home).serial
    assert f"nomor {org.load_directory(home).serial}" in ws.org.heading.text()


def test_directory_of_another_root_refused(team: Org, qtbot: QtBot, tmp_path: Path) -> None:
    other = make_org(tmp_path / "other")
    home = Home(tmp_path / "citra")
    setup, _win = _setup_screen(qtbot, home)
    _fill(qtbot, setup, "citra", "Citra Dewi", PASSPHRASE, PASSPHRASE)
    trust = setup.trust
    _use(trust, team.directory_bytes, tmp_path / "usb" / "directory.json")
    assert trust.status.failed and "disematkan" in trust.status.text()  # pin first, it says
    assert "bisik-reviewer" not in trust.status.text()  # in the app's words, not a command
    assert not home.directory.exists()
    trust.root_file.line.setText(str(tmp_path / "usb" / "directory.json"))  # not a key
    trust.read_root()
    assert trust.status.failed and "root.pub" in trust.status.text()
    trust.compared.setChecked(True)
    assert not trust.pin_button.isEnabled()
    assert not home.root_pub.exists()
    _pin(trust, team.lead.home.root_pub)
    assert home.root_pub.exists()
    _use(trust, other.directory_bytes, tmp_path / "usb" / "directory.json")
    assert trust.status.failed, trust.status.text()
    assert "ditolak" in trust.status.text() and "Tidak ada yang diubah" in trust.status.text()
    assert not home.directory.exists()
    _use(trust, team.directory_bytes, tmp_path / "usb" / "directory.json")
    assert not trust.status.failed and home.directory.read_bytes() == team.directory_bytes


def test_mismatched_passphrases_make_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    home = Home(tmp_path / "citra")
    setup, win = _setup_screen(qtbot, home)
    win.lock("")  # Ctrl+L (or the idle timer) before there is a key: the form stays
    assert win.stack.currentWidget() is setup
    _fill(qtbot, setup, "citra", "Citra Dewi", PASSPHRASE, PASSPHRASE + "x")
    assert setup.status.failed and "berbeda" in setup.status.text()
    assert not home.key_file.exists() and not home.public_json.exists()
    assert not setup.trust.isEnabled() and not setup.done_button.isEnabled()
    setup.reviewer_id.clear()
    setup.name.clear()
    _fill(qtbot, setup, "citra r", "Citra Dewi", PASSPHRASE, PASSPHRASE)
    assert setup.status.failed and not home.key_file.exists()  # the id the command refuses
    setup.reviewer_id.clear()
    setup.name.clear()
    _fill(qtbot, setup, "citra", "Citra Dewi", "pendek", "pendek")
    assert setup.status.failed and not home.key_file.exists()  # too short, as for init
    setup.reviewer_id.clear()
    setup.name.clear()
    _fill(qtbot, setup, "citra", "   ", PASSPHRASE, PASSPHRASE)
    assert setup.status.failed and not home.key_file.exists()  # no name


def test_root_file_swapped_after_it_was_shown_is_not_pinned(
    team: Org, qtbot: QtBot, tmp_path: Path
) -> None:
    other = make_org(tmp_path / "other")
    home = Home(tmp_path / "dewi")
    setup, _win = _setup_screen(qtbot, home)
    _fill(qtbot, setup, "dewi", "Dewi Sartika", PASSPHRASE, PASSPHRASE)
    trust = setup.trust
    stick = tmp_path / "usb" / "root.pub"
    stick.parent.mkdir(parents=True)
    stick.write_bytes(team.lead.home.root_pub.read_bytes())
    trust.root_file.line.setText(str(stick))
    trust.read_root()  # the reviewer compares this fingerprint with the lead's ...
    stick.write_bytes(other.lead.home.root_pub.read_bytes())  # ... and the file changes
    trust.compared.setChecked(True)
    trust.pin_button.click()
    assert trust.status.failed and "berubah" in trust.status.text(), trust.status.text()
    assert not home.root_pub.exists()
