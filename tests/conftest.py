"""Shared database fixtures: ``vault_db_url`` runs a test on SQLite and on PostgreSQL.

The PostgreSQL run needs the server on 127.0.0.1:5432 (user postgres, trust, db ``test``); it
creates a fresh schema per test, points the connection's search_path at it, and drops it
afterwards. Override the server with ``BISIK_TEST_PG`` (a SQLAlchemy URL without options).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_URL = os.environ.get("BISIK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pg_schema_url(schema: str) -> str:
    """The test server URL with its search_path set to ``schema``."""
    return f"{PG_URL}?options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A freshly created, empty PostgreSQL schema, dropped after the test."""
    import sqlalchemy as sa

    schema = "t_" + secrets.token_hex(6)
    engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def vault_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL for an empty vault: SQLite in tmp_path, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'home' / 'bisik.sqlite'}"
    schema = request.getfixturevalue("pg_schema")
    return pg_schema_url(schema)


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[object]:
    """One Playwright driver for the whole run: two sync_playwright() blocks alive at once
    fail (the second finds the first one's asyncio loop running)."""
    from playwright.sync_api import sync_playwright

    manager = sync_playwright()
    driver = manager.start()
    yield driver
    manager.__exit__(None, None, None)
