"""Fixtures for the reviewer tests (see helpers.py for what they build)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import Org, make_org


@pytest.fixture
def team(tmp_path: Path) -> Org:
    """A fresh organisation: lead ``ayu`` (root key holder) and colleague ``budi``."""
    return make_org(tmp_path)


@pytest.fixture(autouse=True)
def _indonesian(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BISIK_LANG", raising=False)
    monkeypatch.delenv("BISIK_PASSPHRASE", raising=False)
    monkeypatch.delenv("BISIK_REVIEWER_HOME", raising=False)
