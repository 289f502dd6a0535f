"""The reviewer's report vocabulary is crypto's schema, and the intake form offers the same
codes (the reviewer never imports intake; its tests check both sides agree)."""

from __future__ import annotations

from reviewer import vocabulary as vocab
from reviewer.i18n import has


def test_codes_match_the_intake_form() -> None:
    forms = __import__("intake.forms", fromlist=["CATEGORIES"])
    assert vocab.CATEGORIES == forms.CATEGORIES and vocab.ELECTIONS == forms.ELECTIONS
    assert vocab.AGENCIES == forms.AGENCIES and vocab.AUTHORITIES == forms.AUTHORITIES
    assert vocab.RETALIATION_KINDS == forms.RETALIATION_KINDS
    assert vocab.MESSAGE_KINDS == forms.MESSAGE_KINDS
    assert vocab.CONSENT_OTHER == forms.CONSENT_OTHER


def test_names_come_from_the_schema() -> None:
    from crypto import report_schema

    assert vocab.CATEGORIES is report_schema.CATEGORIES
    assert vocab.PROVINCES is report_schema.PROVINCES and len(set(vocab.PROVINCES)) == 38
    assert tuple(f.name for f in report_schema.REPORT_FIELDS) == vocab.REPORT_FIELDS
    assert set(vocab.CODED) == {
        f.name
        for f in (
            *report_schema.REPORT_FIELDS,
            *report_schema.MESSAGE_FIELDS,
            *report_schema.RETALIATION_FIELDS,
        )
        if f.codes
    }


def test_every_field_and_code_has_a_label() -> None:
    for name in (*vocab.REPORT_FIELDS, *vocab.MESSAGE_FIELDS):
        assert has(f"field.{name}"), name
    for prefix, codes in vocab.CODED.values():
        assert [c for c in codes if not has(f"{prefix}.{c}")] == []
    assert [a for a in (*vocab.AUTHORITIES, vocab.CONSENT_OTHER) if not has(f"authority.{a}")] == []
