"""Asking for a passphrase (``reviewer.passphrase``): typed twice on ``init``, and the two must
match."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer import passphrase
from reviewer.errors import UsageError

from .helpers import PASSPHRASE


def test_passphrase_typed_twice_must_match() -> None:
    assert passphrase.same(PASSPHRASE, PASSPHRASE) == PASSPHRASE
    with pytest.raises(UsageError):
        passphrase.same(PASSPHRASE, PASSPHRASE + " ")


def test_terminal_passphrase_is_asked_twice_on_init(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reviewer import passphrase

    answers = iter([PASSPHRASE, PASSPHRASE + "!"])
    monkeypatch.setattr(passphrase.getpass, "getpass", lambda prompt="": next(answers))
    with pytest.raises(UsageError):
        passphrase.obtain(None, confirm=True)
    answers = iter([PASSPHRASE, PASSPHRASE])
    assert passphrase.obtain(None, confirm=True) == PASSPHRASE
    monkeypatch.setenv("BISIK_PASSPHRASE", "dari lingkungan")
    assert passphrase.obtain(None) == "dari lingkungan"
    pp = tmp_path / "pp"
    pp.write_text("dari berkas\nbaris kedua\n")
    assert passphrase.obtain(str(pp)) == "dari berkas"  # the file wins over the environment
