"""The escalation/evidence/stats catalogue: every entry in both languages with the same
placeholders, every key the code names exists, and the data tables are consistent."""

from __future__ import annotations

import json
import re
import string
from importlib import resources
from pathlib import Path

from reviewer.escalation import authorities, i18n, regulations
from reviewer.escalation.tracking import OUTCOMES

ROOT = Path(__file__).resolve().parents[2] / "reviewer"
SOURCES = [ROOT / "evidence.py", ROOT / "stats.py", *sorted((ROOT / "escalation").glob("*.py")),
           *(ROOT / "commands" / f"{n}.py" for n in ("evidence", "escalate", "track", "stats"))]


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_entry_has_both_languages_and_the_same_placeholders() -> None:
    cat = json.loads(resources.files("reviewer.escalation").joinpath("i18n.json").read_text())
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
    families += [f"state.{s}" for s in STATES]
    families += [f"phase.{p}" for p in (*PHASES, "unknown")]
    families += [f"track.outcome.{o}" for o in OUTCOMES]
    families += [f"redact.token.{k}" for k in ("nip", "nik", "phone", "email", "name")]
    assert [k for k in families if not i18n.has(k)] == []


def test_regulation_table_is_consistent_and_phrased_as_allegation() -> None:
    data = json.loads(resources.files("reviewer.escalation").joinpath("regulations.json")
                      .read_text())  # fmt: skip
    assert set(data["categories"]) == set(regulations.CATEGORIES)
    used = {k for keys in data["categories"].values() for k in keys}
    assert used <= set(data["refs"])
    assert set(data["aliases"].values()) <= set(regulations.CATEGORIES)
    assert i18n.t("dossier.allegation_item", rule="X").startswith("dugaan pelanggaran terhadap")


def test_codes_match_the_intake_form() -> None:
    # The reviewer never imports intake; its tests check that both sides use the same codes.
    forms = __import__("intake.forms", fromlist=["AUTHORITIES"])
    assert {a.code for a in authorities.known()} == set(forms.AUTHORITIES)
    assert set(regulations.CATEGORIES) == set(forms.CATEGORIES)
    for code in forms.AUTHORITIES:
        assert authorities.code_of(code) == code
