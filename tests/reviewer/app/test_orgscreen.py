"""The lead's key ceremony in the app (``reviewer.app.orgscreen``): create the root key, add a
reviewer only after the fingerprint was compared, revoke, sign the directory."""

from __future__ import annotations

import json
from pathlib import Path

from pytestqt.qtbot import QtBot

from crypto.keys import raw_public
from reviewer import identity, org
from reviewer.app.orgscreen import OrgScreen
from reviewer.home import Home
from tests.reviewer.helpers import PASSPHRASE, PROFILE


def test_create_root_add_after_fingerprint_revoke_and_sign(qtbot: QtBot, tmp_path: Path) -> None:
    home = Home(tmp_path / "lead")
    identity.create(home, "ayu", "Ayu Lestari", PASSPHRASE, profile=PROFILE)
    siti = Home(tmp_path / "siti")
    identity.create(siti, "siti_r", "Siti Rahma", PASSPHRASE, profile=PROFILE)
    screen = OrgScreen(home)
    qtbot.addWidget(screen)
    screen.kdf_profile = PROFILE
    screen.org_name.setText("Pemantau Netralitas")
    screen.root_pass.setText(PASSPHRASE)
    screen.root_again.setText(PASSPHRASE + "x")  # a typo: refused, nothing made
    screen.create_root()
    assert screen.status.failed and not home.root_key.exists()
    screen.root_pass.setText(PASSPHRASE)
    screen.root_again.setText(PASSPHRASE)
    screen.create_root()
    assert not screen.status.failed and home.root_key.exists()

    for card in (home.public_json, siti.public_json):
        screen.card.line.setText(str(card))
        screen.read_card()
        fingerprint = json.loads(card.read_text())["fingerprint"]
        assert fingerprint in screen.card_shown.text()
        assert not screen.add_button.isEnabled()  # not before the fingerprints were compared
        screen.compared.setChecked(True)
        assert screen.add_button.isEnabled()
        screen.add_button.click()
        assert not screen.status.failed, screen.status.text()
    assert [m.id for m in org.load_members(home).reviewers] == ["ayu", "siti_r"]

    server_key = tmp_path / "server.pub"
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    server_key.write_bytes(raw_public(Ed25519PrivateKey.generate().public_key()))
    screen.revoke_id.setCurrentIndex(screen.revoke_id.findData("siti_r"))
    screen.revoke()  # without the confirming tick: nothing happens
    assert org.load_members(home).revoked == []
    screen.revoke_id.setCurrentIndex(screen.revoke_id.findData("siti_r"))
    screen.revoke_sure.setChecked(True)
    screen.revoke()
    assert len(org.load_members(home).revoked) == 1

    out = tmp_path / "usb" / "directory.json"
    out.parent.mkdir()
    screen.server_key.line.setText(str(server_key))
    screen.directory_out.line.setText(str(out))
    screen.sign_pass.setText(PASSPHRASE)
    screen.sign()
    assert not screen.status.failed, screen.status.text()
    directory = org.load_directory(home)
    assert directory.serial == 1 and out.read_bytes()
    assert [r.id for r in directory.active_reviewers()] == ["ayu"]
    assert screen.table.rowCount() == 2
