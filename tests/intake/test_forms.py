"""The intake form builds documents in the report's vocabulary (crypto.report_schema)."""

from __future__ import annotations

from typing import Any

import pytest

from crypto import report_schema
from intake import forms
from intake.errors import UploadError

from .helpers import report_fields


def _form(**changes: Any) -> dict[str, list[str]]:
    data = report_fields("csrf", **changes)
    return {k: v if isinstance(v, list) else [v] for k, v in data.items()}


def test_the_form_writes_exactly_the_schema_fields() -> None:
    out = forms.report(_form(), ["ani", "budi"])
    report_schema.check_report(out.fields)
    assert list(out.fields) == [f.name for f in report_schema.REPORT_FIELDS]


def test_a_year_without_month_is_a_valid_incident_month() -> None:
    out = forms.report(_form(incident_month=None), ["ani", "budi"])
    assert out.fields["incident_month"] == _form()["incident_year"][0]
    report_schema.check_report(out.fields)


def test_a_month_that_has_not_begun_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    monkeypatch.setattr(forms, "indonesia_today", lambda: dt.date(2026, 3, 31))
    assert forms.report(_form(incident_year="2026", incident_month="03"), ["ani", "budi"])
    for year, month in (("2026", "04"), ("2027", None)):
        with pytest.raises(UploadError) as err:
            forms.report(_form(incident_year=year, incident_month=month), ["ani", "budi"])
        assert err.value.key == "error.future_month"
    with pytest.raises(UploadError):  # the same rule for a retaliation's month
        forms.message(
            {
                "kind": ["retaliation"],
                "text": ["x"],
                "retaliation_kind": ["transfer"],
                "retaliation_year": ["2026"],
                "retaliation_month": ["05"],
            }
        )


def test_a_retaliation_report_says_when() -> None:
    with pytest.raises(UploadError) as err:
        forms.message({"kind": ["retaliation"], "text": ["x"], "retaliation_kind": ["transfer"]})
    assert err.value.key == "error.retaliation_when"
    year = forms.incident_years()[1]
    got = forms.message(
        {
            "kind": ["retaliation"],
            "text": ["x"],
            "retaliation_kind": ["isolation"],
            "retaliation_year": [year],
        }
    )
    assert got["retaliation_month"] == year  # the year alone is a date, at year precision


def test_default_election_year_is_the_latest_past_one() -> None:
    import datetime as dt

    assert forms.default_election_year(dt.date(2026, 12, 5)) == "2024"
    assert forms.default_election_year(dt.date(2029, 1, 1)) == "2029"
    assert forms.default_election_year(dt.date(2021, 6, 1)) == "2020"
    assert forms.incident_years(dt.date(2026, 12, 5))[0] == "2026"  # no future year offered


@pytest.mark.parametrize("name", ["category", "agency_kind", "election"])
def test_the_form_offers_only_schema_codes(name: str) -> None:
    with pytest.raises(UploadError):
        forms.report(_form(**{name: "mobilisasi"}), ["ani", "budi"])


@pytest.mark.parametrize(
    "form",
    [
        {"kind": ["message"], "text": ["halo"]},
        {
            "kind": ["retaliation"],
            "text": ["dimutasi"],
            "retaliation_kind": ["transfer"],
            "retaliation_year": [forms.incident_years()[1]],
            "retaliation_month": ["03"],
        },
    ],
)
def test_follow_ups_are_in_the_vocabulary(form: dict[str, list[str]]) -> None:
    report_schema.check_message(forms.message(form))
