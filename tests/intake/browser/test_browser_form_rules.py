"""The report form's rules in chromium: required fields are marked for the eye and for
assistive technology, and an incident month that has not happened yet is refused with a clear
message, with JavaScript on (the browser's own clock) and with it off (the server)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from intake import forms, i18n

pytestmark = pytest.mark.browser

REQUIRED = (
    "category",
    "description",
    "election",
    "election_year",
    "province",
    "regency",
    "agency_kind",
    "reported_position",
)
OPTIONAL = ("agency_name", "reported_name", "incident_month", "incident_year")


def test_required_fields_are_marked(page: Any, live: Any) -> None:
    page.goto(live.url + "/submit")
    mark = i18n.translate("id", "submit.required_mark")
    for name in REQUIRED:
        label = page.locator(f'label[for="{name}"]')
        assert label.locator(".req").is_visible(), name
        assert f"({mark})" in label.inner_text(), name
        field = page.locator(f"#{name}")
        assert field.get_attribute("required") is not None, name
        assert field.get_attribute("aria-required") == "true", name
    for name in OPTIONAL:
        assert page.locator(f'label[for="{name}"] .req').count() == 0, name
        assert page.locator(f"#{name}").get_attribute("required") is None, name
    # the default election year is the latest one that has taken place
    assert page.locator("#election_year").input_value() == forms.default_election_year()
    # each file has its own consent box, shown directly under it (before the next file)
    files = [page.locator(f"#evidence_{i}").bounding_box() for i in forms.slots()]
    for i in forms.slots():
        box = page.locator(f'input[name="share"][value="{i}"]').bounding_box()
        assert box["y"] > files[i - 1]["y"], i
        if i < len(files):
            assert box["y"] < files[i]["y"], i


def test_future_month_refused_in_the_browser(page: Any, live: Any) -> None:
    today = forms.indonesia_today()
    # the browser's clock says March of this year: December is then in the future
    page.clock.set_fixed_time(dt.datetime(today.year, 3, 10, 12, 0, tzinfo=dt.UTC))
    page.goto(live.url + "/submit")
    page.wait_for_selector('#report-form[data-bisik-path="browser"]')
    page.select_option("#incident_year", str(today.year))
    page.select_option("#incident_month", "12")
    message = i18n.translate("id", "error.future_month")
    status = page.locator(".js-status")
    assert status.inner_text() == message and status.is_visible()
    assert page.locator("#incident_month").get_attribute("aria-invalid") == "true"
    assert not page.evaluate("document.getElementById('report-form').checkValidity()")
    page.select_option("#incident_month", "02")  # a past month clears the refusal
    assert page.evaluate("document.getElementById('incident_month').checkValidity()")
    assert page.locator('.js-status[data-key="error.future_month"]').count() == 0


def test_future_month_refused_by_the_server_without_javascript(
    browser: Any, live: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = forms.indonesia_today()
    monkeypatch.setattr(forms, "indonesia_today", lambda: dt.date(today.year, 3, 10))
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live.url + "/submit")
    page.select_option("#category", "social_media")
    page.select_option("#election", "pemilu")
    page.select_option("#province", index=3)
    page.fill("#regency", "Kota Uji")
    page.select_option("#agency_kind", "province")
    page.fill("#reported_position", "Sekretaris Daerah")
    page.fill("#description", "Unggahan kampanye di akun resmi.")
    page.select_option("#incident_year", str(today.year))
    page.select_option("#incident_month", "12")
    with page.expect_navigation():
        page.click('#report-form button[type="submit"]')
    assert i18n.translate("id", "error.future_month") in page.content()
    assert page.locator("#receipt").count() == 0
    context.close()
