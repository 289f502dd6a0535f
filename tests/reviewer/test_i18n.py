"""The reviewer's catalogues (``reviewer/i18n/``), here the escalation/evidence/stats one: every
entry in both languages with the same placeholders, every key the code names exists, and the data
tables are consistent."""

from __future__ import annotations

import json
import re
import string
from importlib import resources
from pathlib import Path

import pytest

from reviewer import i18n
from reviewer.escalation import authorities, regulations
from reviewer.escalation.tracking import OUTCOMES

ROOT = Path(__file__).resolve().parents[2] / "reviewer"
SOURCES = [
    ROOT / "evidence.py",
    ROOT / "stats.py",
    *sorted((ROOT / "escalation").glob("*.py")),
    *(ROOT / "commands" / f"{n}.py" for n in ("evidence", "escalate", "track", "lpsk", "stats")),
]


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_entry_has_both_languages_and_the_same_placeholders() -> None:
    cat = json.loads(resources.files("reviewer.i18n").joinpath("escalation.json").read_text())
    for key, entry in cat.items():
        assert set(entry) == {"id", "en"}, key
        assert _fields(entry["id"]) == _fields(entry["en"]), key
        assert entry["id"].strip() and entry["en"].strip(), key


def test_every_literal_key_in_the_code_exists() -> None:
    pattern = re.compile(r"""\b(?:t|say|both|_both|has)\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""")
    keys = {k for src in SOURCES for k in pattern.findall(src.read_text("utf-8"))}
    assert keys, "the pattern found nothing: the test would be empty"
    missing = sorted(k for k in keys if not i18n.has(k))
    assert missing == []


def test_key_families_are_complete() -> None:
    from crypto.records import STATES
    from reviewer.escalation.phases import PHASES

    families = [f"category.{c}" for c in regulations.CATEGORIES]
    families += [f"state.{s}" for s in STATES] + [f"dossier.state.{s}" for s in STATES]
    families += [f"phase.{p}" for p in (*PHASES, "unknown")]
    families += [f"track.outcome.{o}" for o in OUTCOMES]
    families += [f"redact.token.{k}" for k in ("nip", "nik", "phone", "email", "name")]
    assert [k for k in families if not i18n.has(k)] == []


def test_regulation_table_is_consistent_and_phrased_as_allegation() -> None:
    data = json.loads(
        resources.files("reviewer.escalation").joinpath("regulations.json").read_text()
    )
    assert set(data["categories"]) == set(regulations.CATEGORIES)
    used = {k for keys in data["categories"].values() for k in keys}
    assert used <= set(data["rules"])
    assert set(data["aliases"].values()) <= set(regulations.CATEGORIES)
    intro = i18n.indonesian("dossier.law_intro_any", official="X")
    assert "diduga" in intro and "kewenangan X" in intro  # an allegation, never a finding


def test_codes_match_the_intake_form() -> None:
    # The reviewer never imports intake; its tests check that both sides use the same codes.
    forms = __import__("intake.forms", fromlist=["AUTHORITIES"])
    assert {a.code for a in authorities.known()} == set(forms.AUTHORITIES)
    assert set(regulations.CATEGORIES) == set(forms.CATEGORIES)
    for code in forms.AUTHORITIES:
        assert authorities.code_of(code) == code


def test_one_catalogue_one_missing_key_rule(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Both catalogue files load into one table per language, no key defined twice; a key
    missing in one language falls back to the other, then to the key itself (never a crash);
    ``BISIK_LANG=en`` switches the terminal, dossier text stays Indonesian."""
    for lang in i18n.LANGUAGES:
        assert i18n.catalogue(lang)  # CatalogueError here if a key were defined twice
    assert i18n.t("no.such.key") == "no.such.key"
    assert i18n.t("state.escalated", bogus=1) == i18n.t("state.escalated")
    monkeypatch.setenv("BISIK_LANG", "en")
    assert i18n.t("stats.title") == i18n.t("stats.title", "en") != i18n.t("stats.title", "id")
    assert i18n.indonesian("stats.title") == i18n.t("stats.title", "id")
    monkeypatch.setattr(
        i18n,
        "_read",
        lambda name: {"x.y": {"id": "b", "en": "b"}} if name == "escalation.json" else {"x.y": "a"},
    )
    i18n.catalogue.cache_clear()
    try:
        with pytest.raises(i18n.CatalogueError):
            i18n.catalogue("id")
    finally:
        i18n.catalogue.cache_clear()
