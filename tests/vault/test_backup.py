"""Backup and restore on SQLite and PostgreSQL: while writing, into an empty home, damage."""

from __future__ import annotations

import json
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import pg_schema_url
from tests.vault.helpers import Reviewer, new_case, sealed_blob
from vault.backup import backup, restore
from vault.errors import BackupError, BlobIntegrityError
from vault.store import Vault


@pytest.fixture
def target_url(vault_db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """An empty database of the same backend to restore into."""
    if vault_db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored' / 'bisik.sqlite'}"
    other = request.getfixturevalue("pg_schema_2")
    return pg_schema_url(other)


@pytest.fixture
def pg_schema_2() -> Iterator[str]:
    import secrets

    import sqlalchemy as sa

    from tests.conftest import PG_URL

    schema = "t_" + secrets.token_hex(6)
    engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield schema
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def _snapshot(v: Vault) -> tuple[object, ...]:
    items = v.items_since(0, limit=100_000)
    cases = sorted({i.case_id for i in items})
    return (
        tuple(items),
        tuple(v.case_info(c) for c in cases),
        tuple(sorted(v.blobs.iter_shas())),
        v.get_cursor("rev-a"),
    )


def test_round_trip(vault: Vault, target_url: str, tmp_path: Path) -> None:
    r = Reviewer.new()
    cases = [new_case(vault, r, evidence=2) for _ in range(3)]
    vault.add_message(cases[0], kind="retaliation", blob=sealed_blob(vault, r, b"moved"))
    vault.add_status(cases[1], r.status(cases[1], "in_review", "2026-03-01T00:00:00+00:00"))
    vault.set_cursor("rev-a", 2)
    archive = tmp_path / "backup.tar"
    info = backup(vault, archive)
    assert info.blobs == len(list(vault.blobs.iter_shas())) == 10
    with tarfile.open(archive) as tar:
        assert all(m.mtime == 0 for m in tar.getmembers())

    restored_home = tmp_path / "restored"
    got = restore(archive, target_url, restored_home)
    assert got.blobs == info.blobs
    with Vault.open(target_url, restored_home) as again:
        assert _snapshot(again) == _snapshot(vault)
        # the restored journal keeps counting upwards
        seq = again.add_message(cases[2], kind="message", blob=sealed_blob(again, r, b"new"))
        assert seq > vault.last_seq()


def test_backup_while_writing_is_consistent(vault: Vault, tmp_path: Path) -> None:
    r = Reviewer.new()
    for _ in range(3):
        new_case(vault, r)
    stop = threading.Event()
    errors: list[BaseException] = []

    def keep_writing() -> None:
        try:
            while not stop.is_set():
                new_case(vault, r, evidence=1)
        except BaseException as exc:
            errors.append(exc)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        archives = []
        for n in range(3):
            archives.append(tmp_path / f"b{n}.tar")
            backup(vault, archives[-1])
    finally:
        stop.set()
        writer.join(30)
    assert not errors
    for n, archive in enumerate(archives):
        home = tmp_path / f"r{n}"
        url = f"sqlite:///{home / 'bisik.sqlite'}"
        if vault.engine.dialect.name != "sqlite":
            _check_logical_snapshot(archive)  # restores are covered by test_round_trip
            continue
        restore(archive, url, home)
        with Vault.open(url, home) as v:
            for item in v.items_since(0, limit=100_000):  # every referenced blob is there
                refs = [*item.evidence, *([item.blob] if item.blob else [])]
                assert all(v.blobs.verify(b.sha256) for b in refs)


def _check_logical_snapshot(archive: Path) -> None:
    """Every blob a row of the snapshot refers to is in the archive, every case complete."""
    with tarfile.open(archive) as tar:

        def rows(table: str) -> list[dict[str, object]]:
            f = tar.extractfile(f"db/{table}.jsonl")
            assert f is not None
            return [json.loads(line) for line in f]

        names = set(tar.getnames())
        cases = {r["id"] for r in rows("cases")}
        items = rows("items")
        refs = {r["blob_sha"] for r in items if r["blob_sha"]}
        refs |= {r["blob_sha"] for r in rows("item_evidence")}
    assert {i["case_id"] for i in items} == cases
    assert {f"blobs/{sha}" for sha in refs} <= names


def test_restore_refuses_a_non_empty_target(vault: Vault, tmp_path: Path) -> None:
    new_case(vault, Reviewer.new())
    archive = tmp_path / "b.tar"
    backup(vault, archive)
    with pytest.raises(BackupError):
        restore(archive, str(vault.engine.url.render_as_string(hide_password=False)), vault.home)


def test_restore_refuses_damage(vault: Vault, target_url: str, tmp_path: Path) -> None:
    new_case(vault, Reviewer.new(), evidence=1)
    archive = tmp_path / "b.tar"
    backup(vault, archive)
    raw = bytearray(archive.read_bytes())
    with tarfile.open(archive) as tar:
        blob = next(m for m in tar.getmembers() if m.name.startswith("blobs/"))
    raw[blob.offset_data + 10] ^= 0xFF
    damaged = tmp_path / "damaged.tar"
    damaged.write_bytes(bytes(raw))
    with pytest.raises(BlobIntegrityError):
        restore(damaged, target_url, tmp_path / "r1")
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(archive.read_bytes()[:2000])
    with pytest.raises(BackupError):
        restore(truncated, target_url, tmp_path / "r2")
    not_ours = tmp_path / "not-ours.tar"
    not_ours.write_bytes(b"\0" * 10240)
    with pytest.raises(BackupError):
        restore(not_ours, target_url, tmp_path / "r3")
    # each failure left the target empty: the intact archive now restores into it
    restore(archive, target_url, tmp_path / "r1")
