"""The reviewer tool's one message catalogue: Bahasa Indonesia first, English second.

Every sentence the reviewer sees, and every word of a dossier, comes from the JSON files beside
this module, looked up by a dotted key:

- ``id.json`` / ``en.json``: one flat key → text file per language (the daily commands);
- ``escalation.json``: key → ``{"id": …, "en": …}`` (evidence, escalation, dossiers,
  tracking, statistics), kept in one file so both wordings are edited side by side;
- ``app.json``: the same shape, for the desktop app's own words (``app.*``).

Both are read into one table per language; a key defined in both files is a packaging error
(:class:`CatalogueError` on first use), so no text can silently shadow another.

One missing-key rule everywhere: the chosen language, then the other one, then the key itself —
a gap shows up as a visible key, never as a crash. A template whose ``{fields}`` do not match
the values given is returned unformatted, for the same reason.

``BISIK_LANG=en`` selects English for the terminal; anything else (or nothing) selects
Indonesian. Dossiers go to Indonesian authorities and are always written with
:func:`indonesian`, whatever the terminal's language.
"""

from __future__ import annotations

import functools
import json
import os
from importlib import resources
from typing import Any

LANGUAGES = ("id", "en")
_BILINGUAL = ("escalation.json", "app.json")


class CatalogueError(RuntimeError):
    """The shipped catalogue files are inconsistent (a packaging bug, not a user error)."""


def _read(name: str) -> Any:
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """The flat key → text mapping of one language, from every catalogue file (loaded once)."""
    flat: dict[str, str] = _read(f"{lang}.json")
    shared: dict[str, str] = {}
    for name in _BILINGUAL:
        both: dict[str, dict[str, str]] = _read(name)
        twice = sorted(set(shared) & set(both))
        if twice:
            raise CatalogueError(f"keys defined twice: {', '.join(twice[:5])}")
        shared.update({key: entry[lang] for key, entry in both.items() if lang in entry})
    clash = sorted(set(flat) & set(shared))
    if clash:
        raise CatalogueError(f"keys defined twice: {', '.join(clash[:5])}")
    return {**shared, **flat}


def language() -> str:
    """The language chosen through ``BISIK_LANG`` (``id`` unless it says ``en``)."""
    return "en" if os.environ.get("BISIK_LANG", "").lower().startswith("en") else "id"


def t(key: str, lang: str | None = None, **values: Any) -> str:
    """The text for ``key`` in ``lang`` (default: the terminal's :func:`language`), with
    ``{name}`` fields filled in; the other language, then the key itself, if it is missing."""
    lang = lang or language()
    other = "en" if lang == "id" else "id"
    template = catalogue(lang).get(key) or catalogue(other).get(key) or key
    try:
        return template.format(**values) if values else template
    except (KeyError, IndexError, ValueError):
        return template


def indonesian(key: str, **values: Any) -> str:
    """The Indonesian text for ``key``: what dossiers and redaction tokens are written in."""
    return t(key, "id", **values)


def both(key: str, **values: Any) -> str:
    """Indonesian, then English: ``"id / en"`` (statistics reports are read by both)."""
    return f"{t(key, 'id', **values)} / {t(key, 'en', **values)}"


def has(key: str) -> bool:
    """Whether ``key`` is in the catalogue (in either language)."""
    return key in catalogue("id") or key in catalogue("en")


def label(prefix: str, code: str) -> str:
    """The catalogue's label ``prefix.code`` (``label("chain.stage", "sent")`` → "berkas
    dikirim"), or ``code`` itself when this laptop does not know it (a code added on a
    colleague's newer laptop is shown, never refused)."""
    key = f"{prefix}.{code}"
    return t(key) if has(key) else code
