"""Fixtures for the vault tests: a vault on each database (``vault_db_url``, tests/conftest.py)
with its blobs under the test's own home."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from vault.store import Vault


@pytest.fixture
def vault(vault_db_url: str, tmp_path: Path) -> Iterator[Vault]:
    """A vault opened on ``vault_db_url`` with its home in ``tmp_path / "home"``; closed after."""
    v = Vault.open(vault_db_url, tmp_path / "home")
    yield v
    v.close()
