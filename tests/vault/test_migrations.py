"""Schema: migrations equal the models, nothing time-precise or plaintext-shaped, import rules."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Date, DateTime, Interval, Time, inspect

from vault import db
from vault.models import Base
from vault.store import Vault


def test_migrated_schema_equals_the_models(vault_db_url: str, tmp_path: Path) -> None:
    Vault.open(vault_db_url, tmp_path / "home").close()
    engine = db.make_engine(vault_db_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, Base.metadata)
            tables = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert diff == []
    assert tables == set(Base.metadata.tables) | {"alembic_version"}


def test_opening_twice_is_idempotent(vault_db_url: str, tmp_path: Path) -> None:
    Vault.open(vault_db_url, tmp_path / "home").close()
    with Vault.open(vault_db_url, tmp_path / "home") as v:
        assert v.last_seq() == 0


def test_no_column_keeps_a_time_of_day() -> None:
    """Only whole days: a DateTime/Time column would keep when a reporter acted."""
    for table in Base.metadata.tables.values():
        for column in table.columns:
            assert not isinstance(column.type, DateTime | Time | Interval), column
    days = {
        f"{c.table.name}.{c.name}"
        for t in Base.metadata.tables.values()
        for c in t.columns
        if isinstance(c.type, Date)
    }
    # items.day: the day each follow-up arrived, for the proof of report (crypto/SPEC.md §13).
    # blob_contents.day: the day a database blob was written (the file store's day mtime).
    assert days == {
        "cases.received_day",
        "cases.status_day",
        "uploads.expires_on",
        "items.day",
        "blob_contents.day",
    }


def test_no_column_is_named_like_identifying_data() -> None:
    forbidden = ("ip", "addr", "agent", "name", "filename", "receipt", "plain", "text", "email")
    for table in Base.metadata.tables.values():
        for column in table.columns:
            parts = column.name.split("_")
            assert not any(p in forbidden for p in parts), column


def test_vault_package_does_not_import_sqlalchemy() -> None:
    code = (
        "import sys, vault, vault.blobstore, vault.errors\n"
        "assert 'sqlalchemy' not in sys.modules, 'sqlalchemy imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


def test_cases_keep_no_intake_channel_and_the_upgrade_keeps_every_row(
    vault_db_url: str, tmp_path: Path
) -> None:
    """Migration 0002 drops ``cases.channel`` (whether JavaScript was on) without touching
    any case, item or recipient written under 0001 (a table rebuild with foreign keys on
    would cascade-delete the journal)."""
    from alembic import command
    from sqlalchemy import func, select, text

    engine = db.make_engine(vault_db_url)
    try:
        with engine.begin() as conn:
            command.upgrade(db.alembic_config(conn), "0001")
            conn.execute(text("INSERT INTO blobs (sha256, size) VALUES (:s, 10)"), {"s": "ab" * 32})
            conn.execute(
                text(
                    "INSERT INTO cases (id, lookup_tag, reply_public, received_day, channel) "
                    "VALUES ('c1', :t, :p, :d, 'server')"
                ),
                {"t": b"t" * 32, "p": b"p" * 32, "d": dt.date(2026, 1, 2)},
            )
            conn.execute(text("INSERT INTO case_recipients VALUES ('c1', 'a')"))
            conn.execute(
                text("INSERT INTO items (case_id, kind, blob_sha) VALUES ('c1', 'report', :s)"),
                {"s": "ab" * 32},
            )
        db.migrate(engine)
        with engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("cases")}
            counts = [
                conn.execute(select(func.count()).select_from(Base.metadata.tables[t])).scalar()
                for t in ("cases", "case_recipients", "items", "blobs")
            ]
    finally:
        engine.dispose()
    assert "channel" not in columns
    assert counts == [1, 1, 1, 1]
    assert not any("channel" in c.name for c in Base.metadata.tables["cases"].columns)
