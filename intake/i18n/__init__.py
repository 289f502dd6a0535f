"""The translation catalogue: every word a reporter reads comes from here.

``id.json`` (Bahasa Indonesia, the default) and ``en.json`` (English) map the same keys to
text. Templates call ``t("key")``; Python code passes keys, never sentences. The language is
chosen by the ``lang`` cookie alone (set by a plain link, so it works without JavaScript).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from werkzeug.wrappers import Response

LANGUAGES = ("id", "en")
DEFAULT = "id"
COOKIE = "lang"
_DIR = Path(__file__).parent


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All entries of one language (read once per process)."""
    if lang not in LANGUAGES:
        raise KeyError(lang)
    data = json.loads((_DIR / f"{lang}.json").read_text("utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{lang}.json must be an object")
    return {str(k): str(v) for k, v in data.items()}


def pick(cookie_value: str | None) -> str:
    """The language for a request: the cookie if it names a known language, else Indonesian."""
    return cookie_value if cookie_value in LANGUAGES else DEFAULT


def translate(lang: str, key: str, **values: object) -> str:
    """Text for ``key`` in ``lang``; a missing key raises KeyError (tests catch them all)."""
    text = catalogue(lang)[key]
    return text.format(**values) if values else text


def set_cookie(response: Response, lang: str, *, secure: bool) -> None:
    """Remember the language: a session cookie holding only the language code.

    It goes when the browser closes, so a shared or seized device keeps no lasting trace that
    it ever opened Bisik (a one-year cookie did)."""
    response.set_cookie(COOKIE, lang, path="/", httponly=True, samesite="Strict", secure=secure)
