"""The bundle package's message catalogue: user-facing hints, Indonesian first, English second.

Texts live in ``messages.json`` beside this module (never hard-coded in Python); this module
only loads them. Nothing here leaks: the texts are fixed and carry no data from a bundle.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources


@cache
def _messages() -> dict[str, dict[str, str]]:
    text = resources.files(__package__).joinpath("messages.json").read_text("utf-8")
    data: dict[str, dict[str, str]] = json.loads(text)
    return data


def hint(key: str) -> str:
    """The hint ``key`` as one line: ``"<Bahasa Indonesia> / <English>"``."""
    entry = _messages()[key]
    return f"{entry['id']} / {entry['en']}"
