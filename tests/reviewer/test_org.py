"""The root key ceremony: directory signing, serials, revocation, rollback protection."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from crypto import records
from crypto.directory import verify_directory
from crypto.errors import SignatureError
from crypto.keys import load_ed25519_public
from reviewer import org
from reviewer.cli import main
from reviewer.errors import AlreadyExists, DirectoryError, UsageError, WrongPassphrase
from reviewer.home import Home

from .helpers import PASSPHRASE, Org, tree_snapshot


def test_ceremony_produces_a_directory_the_crypto_core_accepts(team: Org) -> None:
    root = load_ed25519_public(team.lead.home.root_pub.read_bytes())
    d = verify_directory(team.directory_bytes, root)
    assert d.serial == 1 and d.org_name == "Pengawas Netralitas"
    assert {r.id: r.role for r in d.active_reviewers()} == {"ayu": "lead", "budi": "reviewer"}
    assert d.server_key == team.server_key.public_key()
    budi = next(r for r in d.reviewers if r.id == "budi")
    assert budi.keys == team.colleague.ident.keys.public
    # a status signed by budi verifies against it
    rec = records.status(team.colleague.ident.keys.signing, "c1", "in_review")
    assert records.verify(rec, d, "status")[1].id == "budi"


def test_revoke_removes_the_key_from_use_and_serial_increments(team: Org) -> None:
    home = team.lead.home
    org.revoke_member(home, "budi")
    data = org.sign(home, PASSPHRASE, team.server_key.public_key())
    d = verify_directory(data, org.pinned_root(home))
    assert d.serial == 2
    assert [r.id for r in d.active_reviewers()] == ["ayu"]
    assert team.colleague.ident.keys.public.encryption not in d.recipients()
    rec = records.status(team.colleague.ident.keys.signing, "c1", "in_review")
    with pytest.raises(SignatureError):
        records.verify(rec, d, "status")


def test_older_or_forked_directory_is_refused(team: Org) -> None:
    old = team.directory_bytes
    new = org.sign(team.lead.home, PASSPHRASE, team.server_key.public_key())
    org.adopt_directory(team.colleague.home, new)
    with pytest.raises(DirectoryError):
        org.adopt_directory(team.colleague.home, old)
    assert org.load_directory(team.colleague.home).serial == 2


def test_directory_from_another_root_is_refused(tmp_path: Path, team: Org) -> None:
    from .helpers import make_org

    other = make_org(tmp_path / "other")
    with pytest.raises(SignatureError):
        org.adopt_directory(team.colleague.home, other.directory_bytes)
    path = tmp_path / "directory.json"
    path.write_bytes(other.directory_bytes)
    before = team.colleague.home.directory.read_bytes()
    with pytest.raises(SignatureError):
        org.adopt_directory_file(team.colleague.home, path)
    assert team.colleague.home.directory.read_bytes() == before


def test_root_fingerprint_is_read_before_pinning_and_matches_the_pinned(
    tmp_path: Path, team: Org
) -> None:
    fresh = Home(tmp_path / "fresh")
    fp = org.root_file_fingerprint(team.lead.home.root_pub)
    assert not fresh.root_pub.exists()
    assert org.root_fingerprint(org.pin_root(fresh, team.lead.home.root_pub)) == fp
    with pytest.raises(UsageError):
        org.adopt_directory_file(fresh, tmp_path / "missing.json")


def test_wrong_root_passphrase_changes_nothing(team: Org) -> None:
    before = tree_snapshot(team.lead.home.root)
    with pytest.raises(WrongPassphrase):
        org.sign(team.lead.home, "salah salah salah", team.server_key.public_key())
    assert tree_snapshot(team.lead.home.root) == before


def test_root_is_created_once(team: Org) -> None:
    with pytest.raises(AlreadyExists):
        org.init_root(team.lead.home, "Lagi", PASSPHRASE, profile="test")


def test_cli_ceremony(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pp = tmp_path / "pp"
    pp.write_text(PASSPHRASE)
    lead, rev = tmp_path / "lead", tmp_path / "rev"
    common = ["--passphrase-file", str(pp)]
    for home, rid in ((lead, "ayu"), (rev, "budi")):
        assert (
            main(
                [
                    "init",
                    "--id",
                    rid,
                    "--name",
                    rid.title(),
                    "--home",
                    str(home),
                    "--kdf-profile",
                    "test",
                    "--no-qr",
                    *common,
                ]
            )
            == 0
        )
    assert (
        main(
            [
                "org",
                "init",
                "--name",
                "Pengawas",
                "--home",
                str(lead),
                "--kdf-profile",
                "test",
                *common,
            ]
        )
        == 0
    )
    assert (
        main(["org", "add", str(lead / "public.json"), "--role", "lead", "--home", str(lead)]) == 0
    )
    assert main(["org", "add", str(rev / "public.json"), "--home", str(lead)]) == 0
    server = tmp_path / "server.pub"
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from crypto.keys import raw_public

    server.write_bytes(raw_public(Ed25519PrivateKey.generate().public_key()))
    out = tmp_path / "directory.json"
    assert (
        main(
            [
                "org",
                "sign",
                "--server-key",
                str(server),
                "--out",
                str(out),
                "--days",
                "30",
                "--home",
                str(lead),
                *common,
            ]
        )
        == 0
    )
    d = verify_directory(
        out.read_bytes(), load_ed25519_public((lead / "org/root.pub").read_bytes())
    )
    assert d.expires == dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)
    assert main(["org", "pin", str(lead / "org/root.pub"), "--home", str(rev)]) == 0
    assert main(["org", "use", str(out), "--home", str(rev)]) == 0
    assert main(["org", "revoke", "budi", "--home", str(lead)]) == 0
    assert (
        main(
            [
                "org",
                "sign",
                "--server-key",
                str(server),
                "--out",
                str(out),
                "--home",
                str(lead),
                *common,
            ]
        )
        == 0
    )
    assert main(["org", "use", str(out), "--home", str(rev)]) == 0
    capsys.readouterr()
    assert main(["org", "show", "--home", str(rev)]) == 0
    shown = capsys.readouterr().out
    assert "budi" in shown and org.load_directory(org.Home(rev)).serial == 2
