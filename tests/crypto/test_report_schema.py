"""The report's vocabulary (crypto.report_schema, SPEC §10): one definition, checked both ways."""

from __future__ import annotations

from typing import Any

import pytest

from crypto import report_schema as schema
from crypto.errors import FormatError


def _full() -> dict[str, Any]:
    return {f.name: (f.codes[0] if f.codes else "x") for f in schema.REPORT_FIELDS} | {
        "election_year": "2024",
        "incident_month": "2024-10",
    }


def test_a_full_report_passes() -> None:
    schema.check_report(_full())


@pytest.mark.parametrize("name", [f.name for f in schema.REPORT_FIELDS if f.required])
def test_a_required_field_may_not_be_empty(name: str) -> None:
    with pytest.raises(FormatError):
        schema.check_report(_full() | {name: ""})


@pytest.mark.parametrize("name", [f.name for f in schema.REPORT_FIELDS if not f.required])
def test_an_optional_field_may_be_empty(name: str) -> None:
    schema.check_report(_full() | {name: ""})


@pytest.mark.parametrize(
    "change",
    [
        {"category": "mobilisasi"},
        {"agency_kind": "Kementerian"},
        {"election": "pileg"},
        {"incident_month": "2024-13"},
        {"incident_month": "10-2024"},
        {"election_year": "24"},
        {"description": " padded "},
        {"description": ["a", "list"]},
        {"reported_name": "x" * 201},
        {"kategori": "rally"},
    ],
)
def test_what_no_form_writes_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(FormatError):
        schema.check_report(_full() | change)


def test_messages_and_retaliation_reports() -> None:
    schema.check_message({"kind": "message", "text": "ada kabar"})
    schema.check_message(
        {
            "kind": "retaliation",
            "text": "dimutasi",
            "retaliation_kind": "transfer",
            "retaliation_month": "",
        }
    )
    with pytest.raises(FormatError):  # a retaliation report says what happened
        schema.check_message({"kind": "retaliation", "text": "dimutasi"})
    with pytest.raises(FormatError):
        schema.check_message({"kind": "message", "text": "x", "retaliation_kind": "threat"})


def test_codes_are_unique_lowercase_identifiers() -> None:
    for codes in (
        schema.CATEGORIES,
        schema.ELECTIONS,
        schema.AGENCIES,
        schema.AUTHORITIES,
        schema.RETALIATION_KINDS,
        schema.MESSAGE_KINDS,
    ):
        assert len(set(codes)) == len(codes)
        assert all(c.isidentifier() and c == c.lower() for c in codes)
    assert schema.CONSENT_CHOICES[-1] == schema.CONSENT_OTHER not in schema.AUTHORITIES
