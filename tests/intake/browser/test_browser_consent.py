"""Consent changed from the follow-up page in chromium, with JavaScript and without (SPEC §14).

With JavaScript the browser seals the change and signs it with the receipt's follow-up key;
without, the server does it in memory. Either way the stored item is a ``consent`` document
a reviewer opens to exactly the choices made, signed for this case.
"""

from __future__ import annotations

from typing import Any

import pytest

from crypto import consent, envelope, followup, receipt
from intake import i18n
from tests.intake.browser.helpers import make_case

pytestmark = pytest.mark.browser


def _stored_change(live: Any, org: Any, code: str, case_id: str) -> consent.ConsentChange:
    vault = live.app.extensions["bisik"].vault
    (item,) = [e for e in vault.case_history(case_id).entries if e.kind == "consent"]
    followup.verify(
        item.record or b"",
        receipt.derive(code).followup_public,
        case_id,
        "consent",
        item.blob.sha256,
        [],
    )
    with vault.blobs.open(item.blob.sha256) as f:
        return consent.parse(envelope.unseal(f.read(), org.reviewers["ani"].encryption))


def test_consent_change_sealed_in_the_browser(page: Any, live: Any, org: Any) -> None:
    code, case_id = make_case(live, org)
    sent: list[bytes] = []
    page.on("request", lambda r: sent.append(r.post_data_buffer or b""))
    live.open_followup(page, code)
    form = page.locator("#consent-form")
    form.wait_for(timeout=30_000)
    form.locator("button[type=submit]").click()  # nothing chosen: refused in the page
    assert form.locator(".js-status").inner_text() == i18n.translate("id", "error.consent_nothing")
    page.check('#consent-form input[name="authority_bawaslu"][value="grant"]')
    page.check('#consent-form input[name="authority_lpsk"][value="withdraw"]')
    form.locator("button[type=submit]").click()
    page.get_by_text(i18n.translate("id", "notice.sent_consent")).wait_for(timeout=30_000)
    change = _stored_change(live, org, code, case_id)
    assert change.authorities == {"bawaslu": True, "lpsk": False} and change.evidence == {}
    assert change.seq == 1  # numbered from the case API's consent_seq (SPEC §14.3)
    for body in sent:  # the choices left the browser sealed, never as form fields
        assert b"authority_bawaslu" not in body and b'"bawaslu"' not in body
    assert not page.console_errors, page.console_errors


def test_consent_change_without_javascript(browser: Any, live: Any, org: Any) -> None:
    code, case_id = make_case(live, org)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live.url + "/followup")
        page.fill('input[name="receipt"]', code)
        page.click("#followup-form button[type=submit]")
        page.check('#consent-form input[name="authority_bkn"][value="grant"]')
        page.click("#consent-form button[type=submit]")
        page.get_by_text(i18n.translate("id", "notice.sent_consent")).wait_for()
    finally:
        context.close()
    assert _stored_change(live, org, code, case_id).authorities == {"bkn": True}
