"""The catalogue: both languages have exactly the same keys, and every key the templates and
the Python code use exists (including keys built from form codes)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crypto.records import STATES
from intake import forms, i18n
from intake.views.errors import KNOWN

INTAKE = Path(__file__).resolve().parents[2] / "intake"


def test_same_keys_in_both_languages() -> None:
    assert set(i18n.catalogue("id")) == set(i18n.catalogue("en"))


def test_no_empty_entries() -> None:
    for lang in i18n.LANGUAGES:
        assert all(v.strip() for v in i18n.catalogue(lang).values()), lang


def _literal_keys() -> set[str]:
    found: set[str] = set()
    for path in (INTAKE / "templates").glob("*.html"):
        found |= set(re.findall(r't\(\s*["\']([a-z0-9_.]+)["\']\s*[,)]', path.read_text()))
    for path in INTAKE.rglob("*.py"):
        text = path.read_text()
        found |= set(re.findall(r'UploadError\(\s*"([a-z0-9_.]+)"', text))
        found |= set(re.findall(r'problem="([a-z0-9_.]+)"', text))
        found |= set(re.findall(r'_page\("([a-z0-9_.]+)"', text))
    return found


def test_every_literal_key_exists() -> None:
    keys = _literal_keys()
    assert len(keys) > 100  # the scan really found the templates' keys
    missing = sorted(k for k in keys if k not in i18n.catalogue("id"))
    assert missing == []


@pytest.mark.parametrize(
    ("prefix", "codes"),
    [
        ("category.", forms.CATEGORIES),
        ("election.", forms.ELECTIONS),
        ("agency.", forms.AGENCIES),
        ("authority.", forms.AUTHORITIES),
        ("retaliation.", forms.RETALIATION_KINDS),
        ("status.", STATES),
        ("lang.", i18n.LANGUAGES),
        ("month.", [str(m) for m in range(1, 13)]),
        ("receipt.path_", ["server", "browser"]),
        ("notice.sent_", forms.MESSAGE_KINDS),
        ("error.http_", sorted(str(code) for code in KNOWN)),
    ],
)
def test_keys_built_from_codes_exist(prefix: str, codes: list[str]) -> None:
    for code in codes:
        assert prefix + code in i18n.catalogue("id")


def test_mobilisation_and_retaliation_categories_are_offered() -> None:
    assert {"mobilisation", "retaliation"} <= set(forms.CATEGORIES)


def test_placeholders_agree_between_languages() -> None:
    for key, text in i18n.catalogue("id").items():
        other = i18n.catalogue("en")[key]
        assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", other)), key
