"""docs/PANDUAN-PENELAAH.md section 6 names the app's buttons, tabs and fields as the app shows
them: every phrase in *italics* there is the Indonesian text of a catalogue entry
(reviewer/i18n), so a renamed button cannot leave the guide pointing at nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "PANDUAN-PENELAAH.md"
CATALOGUES = sorted((ROOT / "reviewer" / "i18n").glob("*.json"))


def _section(text: str, heading: str) -> str:
    """The text under the ``## `` heading that starts with ``heading``, up to the next one."""
    start = text.index("\n## " + heading)
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def _label_pattern(value: str) -> re.Pattern[str]:
    """A catalogue text as the guide may quote it: Qt's ``&`` accelerators dropped, and each
    ``{placeholder}`` standing for a number, a word or an ellipsis."""
    parts = re.split(r"\{[a-z_]+\}", value.replace("&", ""))
    return re.compile(r"(?:\S+|…)".join(re.escape(p) for p in parts))


def _labels() -> list[re.Pattern[str]]:
    """Every Indonesian text of the reviewer's catalogues, as patterns."""
    found = []
    for path in CATALOGUES:
        for entry in json.loads(path.read_text(encoding="utf-8")).values():
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                found.append(_label_pattern(entry["id"]))
    return found


def unknown_names(section: str, labels: list[re.Pattern[str]]) -> list[str]:
    """The italic phrases of ``section`` that are no catalogue text."""
    named = re.findall(r"(?<![*\w])\*([^*\n]+)\*(?!\*)", section)
    return [n for n in named if not any(p.fullmatch(n) for p in labels)]


def test_the_guide_names_only_what_the_app_shows() -> None:
    section = _section(GUIDE.read_text(encoding="utf-8"), "6. Aplikasi desktop")
    labels = _labels()
    assert len(re.findall(r"(?<![*\w])\*[^*\n]+\*", section)) > 30  # the rule has work to do
    assert unknown_names(section, labels) == []


def test_the_rule_catches_a_button_the_app_does_not_have() -> None:
    labels = _labels()
    text = "Tekan *Tulis dossier*, lalu *Kirim ke Bawaslu*; *Tenggat dalam 7 hari*."
    assert unknown_names(text, labels) == ["Kirim ke Bawaslu"]
