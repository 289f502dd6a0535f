"""Reporter-facing text cites law only as docs/HUKUM.md sources it, and says it is unchecked.

The rule (README, "Law and language are facts to source"): every legal citation names its
source and says whether a lawyer has checked it. docs/HUKUM.md is where Bisik sources each
instrument; while its status line says no lawyer has verified it, every catalogue string
shown to a reporter that cites a law, regulation or article must say so itself, in both
languages, because a reporter reads the sentence, not the document behind it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HUKUM = ROOT / "docs" / "HUKUM.md"
CATALOGUES = {"id": ROOT / "intake/i18n/id.json", "en": ROOT / "intake/i18n/en.json"}
# An instrument: "UU 10/2016", "PP 94/2021", "Perbawaslu 7/2022", "Law 31/2014",
# "Bawaslu Regulation 7/2022" (the English catalogue's names for the same instruments).
_INSTRUMENT = re.compile(
    r"\b(UU|PP|Perbawaslu|Perpres|Permenpan|Law|Government Regulation|Bawaslu Regulation)"
    r" (\d+/\d{4})"
)
_ENGLISH_NAMES = {"Law": "UU", "Government Regulation": "PP", "Bawaslu Regulation": "Perbawaslu"}
UNCHECKED = {"id": "belum diperiksa advokat", "en": "not been checked by a lawyer"}


def citations(text: str) -> list[str]:
    """The instruments a text cites, in the Indonesian form HUKUM.md uses ("UU 10/2016")."""
    return [f"{_ENGLISH_NAMES.get(kind, kind)} {num}" for kind, num in _INSTRUMENT.findall(text)]


def problems(lang: str, catalogue: dict[str, str], hukum: str, verified: bool) -> list[str]:
    """Each string that cites an instrument HUKUM.md does not name, or that cites law without
    saying it is unchecked while HUKUM.md is unverified."""
    found: list[str] = []
    for key, text in sorted(catalogue.items()):
        cited = citations(text)
        found += [
            f"{lang}:{key} cites {c}, which docs/HUKUM.md does not source"
            for c in cited
            if c not in hukum
        ]
        if cited and not verified and UNCHECKED[lang] not in text:
            found.append(
                f"{lang}:{key} cites {cited[0]} without saying a lawyer has not checked it"
            )
    return found


def _hukum() -> tuple[str, bool]:
    text = HUKUM.read_text("utf-8")
    return text, "BELUM DIVERIFIKASI" not in text.split("\n\n", 2)[1]


def test_reporter_texts_cite_only_sourced_law_and_say_it_is_unchecked() -> None:
    hukum, verified = _hukum()
    assert not verified, "HUKUM.md now says a lawyer verified it: revisit this rule"
    cited = 0
    for lang, path in CATALOGUES.items():
        catalogue = json.loads(path.read_text("utf-8"))
        cited += sum(bool(citations(t)) for t in catalogue.values())
        assert problems(lang, catalogue, hukum, verified) == []
    assert cited >= 6, "the catalogues cite law in several places; the pattern finds none"


def test_the_rule_catches_an_unsourced_or_unmarked_citation() -> None:
    hukum, _ = _hukum()
    bad = {
        "a": "UU 99/2031 melindungi Anda. Rujukan ini belum diperiksa advokat.",
        "b": "UU 10/2016 Pasal 71 ayat (2) melarang penggantian pejabat.",
        "c": "Tanpa rujukan hukum apa pun.",
    }
    assert problems("id", bad, hukum, verified=False) == [
        "id:a cites UU 99/2031, which docs/HUKUM.md does not source",
        "id:b cites UU 10/2016 without saying a lawyer has not checked it",
    ]
    assert problems("en", {"x": "Bawaslu Regulation 7/2022 needs it."}, hukum, False) == [
        "en:x cites Perbawaslu 7/2022 without saying a lawyer has not checked it"
    ]
