"""Fixtures shared by the vault.bundle tests (builders live in tests/vault/helpers.py)."""

from __future__ import annotations

import pytest

from ..helpers import Org, make_org


@pytest.fixture(scope="module")
def org() -> Org:
    """A fresh organisation with real keys: root, server and three reviewers."""
    return make_org()
