"""vault.db's SQLite connections: a database that another connection is still creating."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from vault import db
from vault.store import Vault


def _creating(path: Path) -> sqlite3.Connection:
    """A connection in the middle of creating ``path``: rollback-journal mode, write lock held
    (what the first gunicorn worker holds while it makes a new database)."""
    first = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    first.execute("BEGIN IMMEDIATE")
    first.execute("CREATE TABLE being_made (a)")
    return first


def test_a_second_opener_waits_for_the_first_to_finish_creating(tmp_path: Path) -> None:
    """SQLite refuses the switch to WAL at once while another connection holds the write lock
    of a new database; the engine waits for it instead of failing (a worker that failed here
    stopped the whole service)."""
    path = tmp_path / "new.sqlite"
    first = _creating(path)
    released = threading.Event()

    def finish() -> None:
        first.execute("COMMIT")
        released.set()

    timer = threading.Timer(0.5, finish)
    timer.start()
    engine = db.make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            assert released.is_set()
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        timer.join()
        engine.dispose()
        first.close()
    with Vault.open(f"sqlite:///{path}", tmp_path / "home") as vault:  # and it is a vault now
        assert vault.items_since(0) == []


def test_a_lock_held_past_the_busy_timeout_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "BUSY_SECONDS", 1)
    path = tmp_path / "new.sqlite"
    first = _creating(path)
    engine = db.make_engine(f"sqlite:///{path}")
    try:
        with pytest.raises(OperationalError, match="database is locked"), engine.connect():
            pass
    finally:
        engine.dispose()
        first.close()
