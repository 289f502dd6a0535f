"""Where the passphrase comes from: a file, the environment, or the terminal (never argv).

Order: ``--passphrase-file FILE`` (first line, for automation and tests), then the
``BISIK_PASSPHRASE`` environment variable, then :func:`getpass.getpass` on the terminal —
asked twice when a new key is made, so a typo does not lock the reviewer out.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from .errors import UsageError
from .i18n import t

ENV = "BISIK_PASSPHRASE"


def _from_file(path: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError("err.passphrase_file", path=path) from exc
    return text.splitlines()[0] if text else ""


def obtain(
    passphrase_file: str | None, *, confirm: bool = False, prompt_key: str = "pp.prompt"
) -> str:
    """The passphrase from the first source that has one; UsageError if two typings differ."""
    if passphrase_file:
        return _from_file(passphrase_file)
    if os.environ.get(ENV):
        return os.environ[ENV]
    first = getpass.getpass(t(prompt_key) + " ")
    if confirm:
        return same(first, getpass.getpass(t("pp.again") + " "))
    return first


def same(first: str, again: str) -> str:
    """``first`` if the passphrase was typed the same twice; UsageError if the typings differ
    (a new key is never sealed under a typo the reviewer could not repeat)."""
    if again != first:
        raise UsageError("err.passphrase_mismatch")
    return first
