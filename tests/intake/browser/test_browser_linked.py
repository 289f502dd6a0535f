"""The linked history on the follow-up page in chromium, with JavaScript and without (SPEC §15).

Two cases are made with the Python reference; a reviewer of the directory links the second to
the first with ``share``. The JavaScript page verifies the link and the old case's statuses in
the browser and shows them; the no-JS page shows the same from the server; a link signed by a
key outside the directory shows nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto import links
from intake import i18n
from tests.intake.browser.helpers import make_case
from vault.entries import Outbound

pytestmark = pytest.mark.browser


def _link(live: Any, key: Ed25519PrivateKey, new: str, old: str) -> None:
    record = links.sign(key, new, old, share=True)
    with live.app.extensions["bisik"].vault.batch() as tx:
        tx.add_records([Outbound("link", new, record, None, None)])


def _open(page: Any, live: Any, code: str) -> None:
    page.goto(live.url + "/followup")
    page.fill('input[name="receipt"]', code)
    page.click("#followup-form button[type=submit]")


@pytest.mark.parametrize("js", [True, False])
def test_shared_old_case_shows_on_the_new_receipts_page(
    browser: Any, live: Any, org: Any, js: bool
) -> None:
    _old_code, old = make_case(live, org)
    code, new = make_case(live, org)
    _link(live, org.reviewers["budi"].signing, new, old)
    context = browser.new_context(java_script_enabled=js)
    page = context.new_page()
    try:
        if js:
            page.goto(live.url + "/followup")
            page.wait_for_selector('#followup-form[data-bisik-path="browser"]')
        _open(page, live, code)
        section = page.locator("#linked-section")
        section.wait_for(timeout=30_000)
        text = section.inner_text()
        assert i18n.translate("id", "status.in_review") in text
        # the old case's forged status (a key outside the directory) is not shown
        assert i18n.translate("id", "status.closed_unsubstantiated") not in text
        if js:
            assert page.locator("#verified-in-browser").count() == 1
    finally:
        context.close()


def test_a_link_by_a_stranger_shows_nothing(page: Any, live: Any, org: Any) -> None:
    _old_code, old = make_case(live, org)
    code, new = make_case(live, org)
    _link(live, Ed25519PrivateKey.generate(), new, old)
    page.goto(live.url + "/followup")
    page.wait_for_selector('#followup-form[data-bisik-path="browser"]')
    _open(page, live, code)
    page.locator("#current-status").wait_for(timeout=30_000)
    assert page.locator("#linked-section").count() == 0
    assert not page.console_errors, page.console_errors
