"""The catalogue of user-facing text for evidence, escalation and statistics (``i18n.json``).

Every entry has ``id`` (Bahasa Indonesia, shown first) and ``en``. Dossiers are written in
Indonesian only: they go to Indonesian authorities.
"""

from __future__ import annotations

import functools
import json
import os
from importlib import resources
from typing import Any


@functools.cache
def _catalogue() -> dict[str, dict[str, str]]:
    text = resources.files(__package__).joinpath("i18n.json").read_text(encoding="utf-8")
    data: dict[str, dict[str, str]] = json.loads(text)
    return data


def t(key: str, lang: str = "id", **values: Any) -> str:
    """The text for ``key`` in ``lang`` ("id" or "en"), formatted with ``values``."""
    return _catalogue()[key][lang].format(**values)


def both(key: str, **values: Any) -> str:
    """Indonesian, then English: ``"id — en"``."""
    return f"{t(key, 'id', **values)} — {t(key, 'en', **values)}"


def has(key: str) -> bool:
    """Whether the catalogue has ``key``."""
    return key in _catalogue()


def language() -> str:
    """``en`` when ``BISIK_LANG`` says so, else ``id`` (the rule of ``reviewer.i18n``)."""
    return "en" if os.environ.get("BISIK_LANG", "").lower().startswith("en") else "id"


def say(key: str, **values: Any) -> str:
    """Terminal text in the reviewer's chosen language (Indonesian unless ``BISIK_LANG=en``)."""
    return t(key, language(), **values)
