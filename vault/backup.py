"""Backup and restore of the server's vault as one tar file, consistent while the service runs.

Archive (uncompressed tar; ciphertext does not compress), in this order:

* ``bisik-backup.json`` — ``{"format": 1, "backend", "revision", "blobs": [[sha, size], …]}``
* the database: ``db/bisik.sqlite`` (SQLite online backup API: one consistent snapshot, the
  database blob store's tables emptied, since the blobs follow as members) or
  ``db/<table>.jsonl`` (PostgreSQL: every table read in one REPEATABLE READ, READ ONLY
  transaction; bytes as base64, dates ISO). The logical form restores into any database or
  schema and needs no matching ``pg_dump`` version.
* ``blobs/<sha256>`` — every blob the snapshot knows, hash-checked again on restore.

Partial uploads are not included (a reporter resumes or starts again). Member times are 0 and
owners empty, so the archive adds no timestamps of its own. What it holds is what the vault
holds: ciphertext and opaque ids (see vault/README.md, "What leaks").
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import errno
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    Date,
    LargeBinary,
    MetaData,
    Table,
    create_engine,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url

from crypto.fsutil import atomic_open, fsync_dir

from . import db
from .blobstore import BlobStore, LocalBlobStore
from .errors import BackupError, BlobIntegrityError, BlobNotFoundError, DiskFullError
from .models import BLOB_TABLES, Base
from .store import Vault

FORMAT = 1
MANIFEST = "bisik-backup.json"
_COPY = 1 << 20


@dataclass(frozen=True)
class BackupInfo:
    """What an archive holds."""

    backend: str
    revision: str
    blobs: int
    blob_bytes: int


# -- writing ---------------------------------------------------------------------------------


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    _add_file(tar, name, io.BytesIO(data), len(data))


def _add_file(tar: tarfile.TarFile, name: str, f: IO[bytes], size: int) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, 0, 0o600
    tar.addfile(info, f)


def _sqlite_snapshot(vault: Vault, tmp_dir: Path) -> tuple[Path, str, list[tuple[str, int]]]:
    src_path = make_url(str(vault.engine.url)).database
    if not src_path:
        raise BackupError("an in-memory SQLite database cannot be backed up")
    fd, name = tempfile.mkstemp(prefix="backup-", suffix=".sqlite", dir=tmp_dir)
    os.close(fd)
    src = sqlite3.connect(src_path, timeout=30)
    dst = sqlite3.connect(name)
    try:
        src.backup(dst)  # one step: a read transaction over a consistent snapshot
        _drop_blob_bytes(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no WAL beside it
        revision = dst.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        blobs = dst.execute("SELECT sha256, size FROM blobs ORDER BY sha256").fetchall()
    finally:
        dst.close()
        src.close()
    return Path(name), revision, [(s, int(n)) for s, n in blobs]


def _drop_blob_bytes(snapshot: sqlite3.Connection) -> None:
    """Empty the database blob store's tables in the snapshot copy and give the space back:
    the blobs travel once, as ``blobs/`` members (as with PostgreSQL, whose dump skips those
    tables), and restore writes them into whichever store the target uses."""
    present = {row[0] for row in snapshot.execute("SELECT name FROM sqlite_master")}
    emptied = False
    for name in sorted(BLOB_TABLES & present):  # names from the models, never from input
        snapshot.execute(f'DELETE FROM "{name}"')  # noqa: S608
        emptied = True
    if emptied:
        snapshot.commit()
        snapshot.execute("VACUUM")


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"b64": base64.b64encode(value).decode()}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _journal_tables() -> list[Table]:
    """The tables a logical dump carries as rows: all but the blob store's (their blobs are
    ``blobs/`` members, partial uploads are left out)."""
    return [t for t in Base.metadata.sorted_tables if t.name not in BLOB_TABLES]


def _pg_snapshot(vault: Vault, tmp_dir: Path) -> tuple[list[Path], str, list[tuple[str, int]]]:
    files: list[Path] = []
    conn = vault.engine.connect().execution_options(isolation_level="REPEATABLE READ")
    with conn, conn.begin():
        conn.execute(text("SET TRANSACTION READ ONLY"))
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        blobs = conn.execute(text("SELECT sha256, size FROM blobs ORDER BY sha256")).all()
        for table in _journal_tables():
            path = tmp_dir / f"{table.name}.jsonl"
            with open(path, "w", encoding="utf-8") as out:
                rows = conn.execution_options(yield_per=1000).execute(select(table))
                for row in rows.mappings():
                    out.write(json.dumps({k: _encode(v) for k, v in row.items()}) + "\n")
            files.append(path)
    return files, revision, [(s, int(n)) for s, n in blobs]


def backup(vault: Vault, out: Path) -> BackupInfo:
    """Write a consistent archive of ``vault`` to ``out`` (atomically: temp file, rename).

    Safe while the service runs. BackupError if a blob the snapshot lists vanished meanwhile
    (a concurrent retention run): run the backup again.
    """
    out = Path(out)
    tmp_dir = Path(tempfile.mkdtemp(prefix="backup-", dir=vault.blobs.tmp_dir))
    try:
        if db.is_sqlite(vault.engine):
            snap, revision, blobs = _sqlite_snapshot(vault, tmp_dir)
            db_files = {"db/bisik.sqlite": snap}
        else:
            paths, revision, blobs = _pg_snapshot(vault, tmp_dir)
            db_files = {f"db/{p.name}": p for p in paths}
        info = BackupInfo(vault.engine.dialect.name, revision, len(blobs), sum(n for _, n in blobs))
        # atomic_open: a temporary file beside ``out``, fsync, rename, fsync the directory
        with (
            atomic_open(out) as raw,
            tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar,
        ):
            manifest = {
                "format": FORMAT,
                "backend": info.backend,
                "revision": revision,
                "blobs": blobs,
            }
            _add_bytes(tar, MANIFEST, json.dumps(manifest).encode())
            for name, path in db_files.items():
                with open(path, "rb") as f:
                    _add_file(tar, name, f, path.stat().st_size)
            for sha, size in blobs:
                try:
                    with vault.blobs.open(sha) as f:
                        _add_file(tar, f"blobs/{sha}", f, size)
                except BlobNotFoundError as exc:
                    raise BackupError(f"blob {sha} vanished during the backup") from exc
        return info
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise DiskFullError("disk full while writing the backup") from exc
        raise
    finally:
        for p in tmp_dir.iterdir():
            p.unlink()
        tmp_dir.rmdir()


# -- restoring -------------------------------------------------------------------------------


def _members(tar: tarfile.TarFile) -> Iterator[tuple[tarfile.TarInfo, IO[bytes]]]:
    for member in tar:
        if not member.isfile():
            raise BackupError(f"unexpected archive member {member.name!r}")
        f = tar.extractfile(member)
        if f is None:  # pragma: no cover - isfile() members always extract
            raise BackupError(f"unreadable archive member {member.name!r}")
        yield member, f


def _check_empty(db_url: str, home: Path) -> None:
    if home.exists() and any(p for p in home.rglob("*") if p.is_file()):
        raise BackupError("restore needs an empty home directory")
    engine = db.make_engine(db_url)
    try:
        with engine.connect() as conn:
            if inspect(conn).get_table_names():
                raise BackupError("restore needs an empty database")
    finally:
        engine.dispose()


def restore(archive: Path, db_url: str, home: Path, *, blob_store: str = "files") -> BackupInfo:
    """Restore an archive into an EMPTY ``home`` and an EMPTY database at ``db_url``.

    Every blob is hash-checked as it goes into ``blob_store`` (files under ``home``, or the
    database: an archive of either store restores into either); the schema is then migrated
    to the newest revision. BackupError on a damaged archive, a non-empty target or a backend
    mismatch.
    """
    home = Path(home)
    _check_empty(db_url, home)
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    backend = make_url(db_url).get_backend_name()
    try:
        with tarfile.open(archive, mode="r:") as tar:
            return _restore_stream(tar, db_url, backend, home, blob_store)
    except BaseException as exc:
        _undo(db_url, home)  # a failed restore leaves the target as empty as it found it
        if isinstance(exc, tarfile.TarError | json.JSONDecodeError | KeyError | StopIteration):
            raise BackupError("the archive is damaged or not a Bisik backup") from exc
        raise


def _undo(db_url: str, home: Path) -> None:
    shutil.rmtree(home / "blobs", ignore_errors=True)
    shutil.rmtree(home / "tmp", ignore_errors=True)
    target = make_url(db_url).database
    if make_url(db_url).get_backend_name() == "sqlite" and target:
        for suffix in ("", "-wal", "-shm"):
            Path(target + suffix).unlink(missing_ok=True)


def _restore_stream(
    tar: tarfile.TarFile, db_url: str, backend: str, home: Path, blob_store: str
) -> BackupInfo:
    members = _members(tar)
    first, f = next(members)
    if first.name != MANIFEST:
        raise BackupError("the archive does not start with its manifest")
    manifest = json.loads(f.read())
    if manifest.get("format") != FORMAT or manifest.get("backend") != backend:
        raise BackupError("archive format or database backend does not match")
    expected = {sha: int(size) for sha, size in manifest["blobs"]}
    vault_home_tmp = home / "tmp"
    vault_home_tmp.mkdir(parents=True, exist_ok=True, mode=0o700)
    db_parts: dict[str, Path] = {}
    restored: set[str] = set()
    # With the file store, blobs are restored (and checked) before the database; with the
    # database store they go into it, so its rows (all before the first blob member) go first.
    store: BlobStore | None = None
    vault: Vault | None = None
    if blob_store == "files":
        store = LocalBlobStore(home / "blobs", vault_home_tmp)
    try:
        for member, f in members:
            if member.name.startswith("db/"):
                target = vault_home_tmp / ("restore-" + Path(member.name).name)
                with open(target, "wb") as out:
                    while block := f.read(_COPY):
                        out.write(block)
                db_parts[member.name] = target
            elif member.name.startswith("blobs/"):
                if store is None:
                    _restore_db(db_parts, db_url, backend, manifest["revision"])
                    vault = Vault.open(db_url, home, blob_store=blob_store)
                    store = vault.blobs
                restored.add(_restore_blob(store, member.name.removeprefix("blobs/"), f, expected))
            else:
                raise BackupError(f"unexpected archive member {member.name!r}")
        if restored != set(expected):
            raise BackupError("the archive is missing blobs its manifest lists")
        if vault is None:
            _restore_db(db_parts, db_url, backend, manifest["revision"])
    finally:
        if vault is not None:
            vault.close()
    # migrate to head, create the remaining directories
    Vault.open(db_url, home, blob_store=blob_store).close()
    return BackupInfo(backend, manifest["revision"], len(expected), sum(expected.values()))


def _restore_blob(store: BlobStore, sha: str, f: IO[bytes], expected: dict[str, int]) -> str:
    """Stream one archived blob into ``store``; BlobIntegrityError (and nothing kept that
    this restore added) if it does not hash to its name and size."""
    with store.writer() as w:
        while block := f.read(_COPY):
            w.write(block)
        ref = w.commit()
    if ref.sha256 != sha or expected.get(sha) != ref.size:
        if w.created:  # never bytes that were already in the store before
            store.delete(ref.sha256)
        raise BlobIntegrityError(f"blob {sha} in the archive is damaged")
    return sha


def _restore_db(parts: dict[str, Path], db_url: str, backend: str, revision: str) -> None:
    try:
        if backend == "sqlite":
            _restore_sqlite(parts, db_url)
        else:
            _restore_logical(parts, db_url, revision)
    finally:
        for p in parts.values():
            p.unlink(missing_ok=True)


def _restore_sqlite(parts: dict[str, Path], db_url: str) -> None:
    snap = parts.get("db/bisik.sqlite")
    target = make_url(db_url).database
    if snap is None or not target:
        raise BackupError("the archive holds no SQLite database")
    target_path = Path(target)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):  # _check_empty's probe may have created an empty file
        with contextlib.suppress(FileNotFoundError):
            Path(str(target_path) + suffix).unlink()
    os.replace(snap, target_path)
    fsync_dir(target_path.parent)


def _decode(value: Any, column: Any) -> Any:
    if isinstance(value, dict) and "b64" in value:
        return base64.b64decode(value["b64"])
    if value is not None and isinstance(column.type, Date):
        return dt.date.fromisoformat(value)
    if value is not None and isinstance(column.type, LargeBinary):
        raise BackupError("binary column stored without base64")
    return value


def _restore_logical(parts: dict[str, Path], db_url: str, revision: str) -> None:
    from alembic import command

    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            command.upgrade(db.alembic_config(conn), revision)
            # the tables as they are at the archive's revision (the models follow head: a
            # column dropped since, such as cases.channel, is still there to be filled)
            at_revision = MetaData()
            at_revision.reflect(conn)
            for model_table in _journal_tables():
                table = at_revision.tables[model_table.name]
                path = parts.get(f"db/{table.name}.jsonl")
                if path is None:
                    raise BackupError(f"the archive has no rows file for {table.name}")
                batch: list[dict[str, Any]] = []
                with open(path, encoding="utf-8") as f:
                    for line in f:
                        row = json.loads(line)
                        batch.append({k: _decode(v, table.c[k]) for k, v in row.items()})
                        if len(batch) >= 1000:
                            conn.execute(insert(table), batch)
                            batch = []
                if batch:
                    conn.execute(insert(table), batch)
            conn.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('items', 'seq'), "
                    "COALESCE((SELECT MAX(seq) FROM items), 0) + 1, false)"
                )
            )
    finally:
        engine.dispose()
