"""Reviewer keys (``reviewer.identity``): creation, the passphrase-sealed key file, wrong
passphrases, tampering, enrolment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crypto.errors import FormatError
from crypto.keys import PublicKeys
from reviewer import identity, keyfile
from reviewer.cli import build_parser, main
from reviewer.errors import AlreadyExists, UsageError, WrongPassphrase
from reviewer.home import Home

from .helpers import PASSPHRASE, PROFILE, tree_snapshot


def test_create_writes_sealed_keys_and_public_card(tmp_path: Path) -> None:
    home = Home(tmp_path / "h")
    ident = identity.create(home, "siti_r", "Siti R.", PASSPHRASE, profile=PROFILE)
    card = json.loads(home.public_json.read_text())
    keys = PublicKeys.from_json(card)
    assert card["id"] == "siti_r" and card["fingerprint"] == keys.fingerprint
    assert keys == ident.keys.public
    raw = home.key_file.read_bytes()
    # the private keys and the store key never appear in clear
    assert ident.keys.to_secret_bytes()[:32] not in raw and ident.store_key not in raw
    again = identity.unlock(home, PASSPHRASE)
    assert again.keys.to_secret_bytes() == ident.keys.to_secret_bytes()
    assert again.store_key == ident.store_key


def test_wrong_passphrase_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    home = Home(tmp_path / "h")
    identity.create(home, "siti_r", "Siti R.", PASSPHRASE, profile=PROFILE)
    before = tree_snapshot(home.root)
    with pytest.raises(WrongPassphrase):
        identity.unlock(home, PASSPHRASE + "x")
    assert tree_snapshot(home.root) == before


@pytest.mark.parametrize("field", ["opslimit", "memlimit", "label"])
def test_tampered_key_file_does_not_open(tmp_path: Path, field: str) -> None:
    data = keyfile.seal_secret(b"s" * 96, PASSPHRASE, label="reviewer", profile=PROFILE)
    obj = json.loads(data)
    if field == "label":
        obj["label"] = "org-root"
        with pytest.raises(FormatError):  # a root key file is not a reviewer key file
            keyfile.open_secret(json.dumps(obj).encode(), PASSPHRASE, label="reviewer")
        return
    obj["kdf"][field] = obj["kdf"][field] * 2  # no longer the test profile, below the floor:
    # refused before any Argon2id run (edits within bounds fail as WrongPassphrase instead:
    # test_keyfile_parameters_changed_within_bounds_do_not_open)
    with pytest.raises(FormatError):
        keyfile.open_secret(json.dumps(obj).encode(), PASSPHRASE, label="reviewer")


def test_kdf_parameters_are_stored_and_default_is_sensitive(tmp_path: Path) -> None:
    data = keyfile.seal_secret(b"x", PASSPHRASE, label="reviewer", profile=PROFILE)
    assert keyfile.kdf_profile_of(data) == "test"
    args = build_parser().parse_args(["init", "--id", "a", "--name", "A"])
    assert args.kdf_profile == keyfile.DEFAULT_PROFILE == "sensitive"
    ops, mem = keyfile.PROFILES["sensitive"]
    assert mem >= 1 << 30 and ops >= 4


def test_init_refuses_to_overwrite_and_short_passphrases(tmp_path: Path) -> None:
    home = Home(tmp_path / "h")
    with pytest.raises(UsageError):
        identity.create(home, "siti_r", "Siti", "pendek", profile=PROFILE)
    with pytest.raises(UsageError):
        identity.create(home, "bad id!", "Siti", PASSPHRASE, profile=PROFILE)
    with pytest.raises(UsageError):
        identity.create(home, "siti_r", "  ", PASSPHRASE, profile=PROFILE)
    assert not home.key_file.exists()
    identity.create(home, "siti_r", "Siti", PASSPHRASE, profile=PROFILE)
    with pytest.raises(AlreadyExists):
        identity.create(home, "siti_r", "Siti", PASSPHRASE, profile=PROFILE)


def test_enrol_writes_the_card_and_the_qr_of_its_exact_text(tmp_path: Path) -> None:
    home = Home(tmp_path / "h")
    ident, text = identity.enrol(home, "siti_r", "Siti", PASSPHRASE, profile=PROFILE)
    assert json.loads(text) == json.loads(home.public_json.read_text()) == ident.public_card()
    assert home.public_png.read_bytes().startswith(b"\x89PNG")


def test_cli_init_then_wrong_passphrase(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "h"
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.write_text(PASSPHRASE + "\n")
    bad.write_text("bukan frasa yang benar\n")
    rc = main(
        [
            "init",
            "--id",
            "siti_r",
            "--name",
            "Siti",
            "--home",
            str(home),
            "--passphrase-file",
            str(good),
            "--kdf-profile",
            "test",
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0
    assert json.loads((home / "public.json").read_text())["fingerprint"] in out
    assert (home / "public.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "█" in out  # the terminal QR code
    before = tree_snapshot(home)
    rc = main(["list", "--home", str(home), "--passphrase-file", str(bad)])
    err = capsys.readouterr().err
    assert rc == 1
    assert err.startswith("error: ") and "\nhint: " in err and "Traceback" not in err
    assert tree_snapshot(home) == before
