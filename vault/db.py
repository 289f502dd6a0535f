"""Engines and schema migrations for the vault's two backends.

SQLite (the embedded default): WAL, ``foreign_keys=ON``, ``secure_delete=ON`` (freed pages are
zeroed), ``synchronous=FULL``; every write transaction starts with ``BEGIN IMMEDIATE`` so two
writers never deadlock on a lock upgrade, and readers use a plain ``BEGIN`` on a WAL
snapshot; a connection to a new database that another connection is still creating waits
for it (:func:`_wal`). PostgreSQL through psycopg 3. Alembic migrations in ``vault/migrations``
run programmatically by :func:`migrate`; concurrent starters serialise (PostgreSQL advisory
lock, SQLite write lock).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATE_LOCK = 0x6269_7369_6B00  # "bisik\0": advisory lock key for schema migrations
BUSY_SECONDS = 15  # how long an SQLite connection waits for another's write lock


def is_sqlite(engine: Engine | Connection) -> bool:
    """True if the engine (or connection) talks to SQLite."""
    return engine.dialect.name == "sqlite"


def _wal(cur: sqlite3.Cursor) -> None:
    """``PRAGMA journal_mode=WAL``, waiting (up to the busy timeout) for a concurrent creator.

    A new database starts in rollback-journal mode, and turning it to WAL needs its write lock.
    While another connection holds that lock (the first of two gunicorn workers creating the
    same new database), SQLite answers "database is locked" at once instead of calling the busy
    handler, because waiting could deadlock. The second worker then failed to boot and gunicorn
    shut the whole service down. The pragma changes nothing once the mode is WAL, so it is
    simply tried again until the lock is free or the busy timeout has passed.
    """
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(0.02)


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin)
    cur = dbapi_conn.cursor()
    _wal(cur)
    for pragma in (
        "foreign_keys=ON",
        "secure_delete=ON",
        "synchronous=FULL",
        f"busy_timeout={BUSY_SECONDS * 1000}",
    ):
        cur.execute(f"PRAGMA {pragma}")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    # Readers (engine option ``vault_read``) take no lock: WAL gives them a snapshot. Writers
    # take the write lock up front, so a read-then-write never fails on a lock upgrade.
    read = conn.get_execution_options().get("vault_read", False)
    conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")


def reader(engine: Engine) -> Engine:
    """The same engine, marked for read-only transactions (no write lock on SQLite)."""
    return engine.execution_options(vault_read=True)


def make_engine(db_url: str) -> Engine:
    """An engine for ``db_url`` with the pragmas and transaction mode described above."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_SECONDS})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at vault/migrations, optionally bound to a connection."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent; safe with concurrent starters)."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATE_LOCK})
        command.upgrade(alembic_config(conn), "head")
