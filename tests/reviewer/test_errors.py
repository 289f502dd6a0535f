"""One error base for the whole reviewer tool (``reviewer.errors``): every error it raises on
purpose is a ReviewerError with a translated message and hint from the catalogue."""

from __future__ import annotations

import inspect

import pytest

from reviewer import errors
from reviewer.i18n import has, t

CLASSES = [
    c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, errors.ReviewerError)
]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_error_class_has_a_message_and_a_hint_in_both_languages(cls: type) -> None:
    assert has(cls.key) and has(cls.key + ".hint")
    for lang in ("id", "en"):
        assert t(cls.key, lang) != cls.key and t(cls.key + ".hint", lang) != cls.key + ".hint"


def test_key_values_and_detail() -> None:
    by_key = errors.UsageError("err.date", value="2024-13-01")
    assert "2024-13-01" in str(by_key) and by_key.hint == t("err.date.hint", value="2024-13-01")
    by_detail = errors.TrackingError("not a date: 'kemarin'")
    assert str(by_detail) == f"{t('err.tracking')} (not a date: 'kemarin')"
    assert by_detail.hint == t("err.tracking.hint") and by_detail.detail is not None
    plain = errors.ConsentError()
    assert str(plain) == t("err.consent") and plain.detail is None


def test_the_old_escalation_error_names_are_reviewer_errors() -> None:
    for name in (
        "EvidenceError",
        "EvidenceAlteredError",
        "ConsentError",
        "RedactionError",
        "AuthorityError",
        "TrackingError",
        "CalendarError",
        "StatsError",
    ):
        assert issubclass(getattr(errors, name), errors.ReviewerError)
    assert issubclass(errors.EvidenceAlteredError, errors.EvidenceError)
