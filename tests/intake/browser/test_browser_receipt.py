"""The receipt page in chromium keeps the receipt until the reporter shows it is written down.

Issue 10 item 6, on both paths. JavaScript on: the receipt exists only in the page's memory, so
a click on a menu or language link while it is unconfirmed keeps the reporter on the page and
points at the confirmation box; a wrong last group is refused; the right one (typed in lower
case) lets them go. JavaScript off: the page has no link away, the language switch shows the
same receipt in English, and typing the last group leads to the done page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from intake import i18n
from tests.intake.browser.helpers import fill_report

pytestmark = pytest.mark.browser


def _text(page: Any, selector: str) -> str:
    return str(page.locator(selector).inner_text()).strip()


def _wrong(group: str) -> str:
    return "0000" if group != "0000" else "1111"


def test_js_receipt_page_holds_the_reporter_until_confirmed(
    page: Any, live: Any, tmp_path: Path
) -> None:
    evidence = tmp_path / "foto.png"
    evidence.write_bytes(b"\x89PNG" + bytes(4096))
    page.goto(live.url + "/submit")
    page.wait_for_selector('#report-form[data-bisik-path="browser"]')
    fill_report(page, [evidence])
    page.click('#report-form button[type="submit"]')
    code = page.locator("#receipt").inner_text(timeout=60_000).strip()

    page.locator("header nav a").first.click()  # "Kirim laporan" in the menu
    page.wait_for_selector("#confirm-error:not([hidden])")
    assert page.locator("#receipt").inner_text().strip() == code  # still on the page
    assert _text(page, "#confirm-error") == i18n.translate("id", "receipt.confirm_first")

    page.fill("#last-group", _wrong(code[-4:]))
    page.click('#receipt-confirm button[type="submit"]')
    assert _text(page, "#confirm-error") == i18n.translate("id", "receipt.confirm_wrong")
    assert page.locator("#receipt").inner_text().strip() == code

    page.fill("#last-group", code[-4:].lower())
    page.click('#receipt-confirm button[type="submit"]')
    assert page.locator("#receipt-done").inner_text() == i18n.translate("id", "receipt.confirm_ok")
    with page.expect_navigation():
        page.locator("header nav a").first.click()  # now the menu works again
    assert page.url.endswith("/submit")


def test_nojs_receipt_page_switches_language_and_keeps_the_receipt(
    browser: Any, live: Any, tmp_path: Path
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    evidence = tmp_path / "foto.png"
    evidence.write_bytes(b"\x89PNG" + bytes(4096))
    page.goto(live.url + "/submit")
    fill_report(page, [evidence])
    with page.expect_navigation():
        page.click('#report-form button[type="submit"]')
    code = page.locator("#receipt").inner_text().strip()
    assert page.locator("header nav a").count() == 0

    with page.expect_navigation():
        page.click('.receipt-lang button[value="en"]')
    assert page.locator("#receipt").inner_text().strip() == code
    assert page.locator("h1").inner_text() == i18n.translate("en", "receipt.title")

    page.fill("#last-group", code[-4:])
    with page.expect_navigation():
        page.click('#receipt-confirm button[type="submit"]')
    assert page.locator("h1").inner_text() == i18n.translate("en", "receipt.done_title")
    assert page.locator("header nav a").count() == 2
    context.close()
