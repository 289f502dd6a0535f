"""The reviewer tool's message catalogue: Bahasa Indonesia first, English second.

Every sentence the reviewer sees comes from ``id.json`` or ``en.json`` beside this module,
looked up by a dotted key. ``BISIK_LANG=en`` selects English; anything else (or nothing)
selects Indonesian. A key missing from the chosen catalogue falls back to the other one, then
to the key itself, so a gap shows up as a visible key rather than a crash.
"""

from __future__ import annotations

import functools
import json
import os
from importlib import resources
from typing import Any

LANGUAGES = ("id", "en")


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """The flat key → text mapping of one language (loaded once)."""
    text = resources.files(__package__).joinpath(f"{lang}.json").read_text(encoding="utf-8")
    data: dict[str, str] = json.loads(text)
    return data


def language() -> str:
    """The language chosen through ``BISIK_LANG`` (``id`` unless it says ``en``)."""
    return "en" if os.environ.get("BISIK_LANG", "").lower().startswith("en") else "id"


def t(key: str, **values: Any) -> str:
    """The text for ``key`` in the current language, with ``{name}`` fields filled in."""
    lang = language()
    other = "en" if lang == "id" else "id"
    template = catalogue(lang).get(key) or catalogue(other).get(key) or key
    try:
        return template.format(**values) if values else template
    except (KeyError, IndexError, ValueError):
        return template
