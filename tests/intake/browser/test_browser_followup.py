"""Follow-up in chromium: the receipt stays in the browser, records are verified there, replies
are decrypted there, and a new message with evidence is sealed there.

The case is made with the Python reference (a report sealed to the reviewers, a status and a
reply signed by a reviewer, the reply sealed to the receipt's reply key); the browser must
show exactly the verified status and the decrypted reply, and refuse a forged record.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from pathlib import Path
from typing import Any

import pytest

from crypto import document, envelope, followup, proof, receipt, records
from crypto.encoding import b64u_encode
from crypto.errors import ReceiptError
from intake import forms, i18n
from tests.intake.browser.helpers import REPLY, make_case

pytestmark = pytest.mark.browser

MARKER = "PENANDA-TINDAK-LANJUT-55e1"
RAW_KEY = re.compile(
    r"\b(js|case|status|receipt|error|notice|field|month|retaliation)\.[a-z_0-9]+\b"
)


def test_followup_verifies_decrypts_and_sends(
    page: Any, live: Any, org: Any, tmp_path: Path
) -> None:
    code, case_id = make_case(live, org)
    sent: list[bytes] = []
    page.on("request", lambda r: sent.append(r.post_data_buffer or b""))
    live.open_followup(page, code.lower().replace("-", " "))  # typed loosely

    status = page.locator("#current-status")
    assert status.inner_text(timeout=30_000) == i18n.translate("id", "status.in_review")
    assert page.locator(".reply .text").all_inner_texts() == [REPLY]
    # every text the JS drew came from the catalogue: no raw key is showing
    assert not RAW_KEY.search(page.locator("main").inner_text())
    assert page.get_by_text(i18n.translate("id", "case.rejected", n=1)).is_visible()
    # the receipt never left the browser, in any form
    for body in sent:
        assert code.encode() not in body and code.replace("-", "").encode() not in body

    # a follow-up message with a file, sealed in the browser
    evidence = tmp_path / "surat-mutasi.pdf"
    evidence.write_bytes(b"%PDF-1.4 " + MARKER.encode() + os.urandom(300_000))
    page.check('#message-form input[name="kind"][value="retaliation"]')
    page.select_option("#retaliation_kind", "transfer")
    page.select_option("#retaliation_year", str(dt.date.today().year))
    page.fill("#text", f"Saya dimutasi setelah melapor. {MARKER}")
    page.set_input_files("#message-form #evidence_1", str(evidence))
    page.click("#message-form button[type=submit]")
    page.get_by_text(i18n.translate("id", "notice.sent_retaliation")).wait_for(timeout=30_000)

    vault = live.app.extensions["bisik"].vault
    entries = [e for e in vault.case_history(case_id).entries if e.kind == "retaliation"]
    assert len(entries) == 1
    key = org.reviewers["ani"].encryption
    with vault.blobs.open(entries[0].blob.sha256) as f:
        doc = document.parse(envelope.unseal(f.read(), key))
    assert doc.channel == "browser" and doc.type == "retaliation"
    assert doc.fields["retaliation_kind"] == "transfer" and MARKER in doc.fields["text"]
    assert [e.envelope_sha256 for e in doc.evidence] == [r.sha256 for r in entries[0].evidence]
    with vault.blobs.open(doc.evidence[0].envelope_sha256) as f:
        data = f.read()
    assert envelope.unseal(data, key) == evidence.read_bytes()
    assert envelope.open_header_mac(io.BytesIO(data), key).hex() == doc.evidence[0].envelope_mac
    # signed in the browser with the receipt's follow-up key (SPEC §12), checked by the server
    followup.verify(
        entries[0].record or b"",
        receipt.derive(code).followup_public,
        case_id,
        "retaliation",
        entries[0].blob.sha256,
        [r.sha256 for r in entries[0].evidence],
    )
    for body in sent:
        assert MARKER.encode() not in body
    assert not page.console_errors, page.console_errors


def _typo(code: str) -> str:
    """The code with one symbol changed so that its check symbols no longer match."""
    for ch in "0123456789ABCDEFGHJKMNPQRSTVWXYZ":
        candidate = ch + code[1:]
        try:
            receipt.normalize(candidate)
        except ReceiptError:
            return candidate
    raise AssertionError("no typo found")


def test_unknown_receipt_and_typo_show_catalogue_messages(page: Any, live: Any) -> None:
    live.open_followup(page, receipt.generate())
    unknown = i18n.translate("id", "error.receipt_unknown")
    page.locator(".js-status.error").get_by_text(unknown).wait_for()
    typo = _typo(receipt.generate())
    page.fill("#receipt-input", typo)
    page.click("#followup-form button[type=submit]")
    page.locator(".js-status.error").get_by_text(
        i18n.translate("id", "error.receipt_typo")
    ).wait_for()


def test_proof_of_report_download(page: Any, live: Any, org: Any) -> None:
    """The proof the browser downloads verifies with the root key alone (SPEC §13), covers the
    report, and the PDF button gives the printable copy."""
    code, case_id = make_case(live, org)
    live.open_followup(page, code)
    with page.expect_download() as info:
        page.click("#proof-button")
    data = Path(info.value.path()).read_bytes()
    state = live.app.extensions["bisik"]
    checked = proof.verify(data, state.directory().root)
    report = next(e for e in state.vault.case_history(case_id).entries if e.kind == "report")
    assert checked.items[0].envelope_sha256 == report.blob.sha256
    assert code.encode() not in data
    with page.expect_download() as info:
        page.click("#proof-pdf-button")
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF-")


def test_reply_swapped_by_the_server_is_not_shown(page: Any, live: Any, org: Any) -> None:
    """A server that answers /api/case with a different reply envelope under a genuine signed
    record is caught by the browser's one-shot SHA-256 of the envelope against the record.
    The substitute is a valid envelope sealed to the same reply key (it would decrypt), so only
    the hash check can refuse it: the reply is not shown, and it is counted as rejected."""
    code, _case_id = make_case(live, org)
    fake = document.Document(
        type="reply",
        submitted_at=document.now(),
        channel="reviewer",
        fields={"text": "BALASAN-PALSU"},
    )
    fake_env = envelope.seal(fake.to_bytes(), [receipt.derive(code).reply_public])

    def swap(route: Any) -> None:
        response = route.fetch()
        data = response.json()
        assert data["replies"], "the case has a reply to swap"
        for reply in data["replies"]:
            reply["envelope"] = b64u_encode(fake_env)
        route.fulfill(response=response, json=data)

    page.route(re.compile(r".*/api/case$"), swap)
    live.open_followup(page, code)
    status = page.locator("#current-status")
    assert status.inner_text(timeout=30_000) == i18n.translate("id", "status.in_review")
    assert page.locator(".reply .text").count() == 0
    # the forged status and the swapped reply
    assert page.get_by_text(i18n.translate("id", "case.rejected", n=2)).is_visible()


def test_open_case_has_a_way_out_like_the_no_js_page(page: Any, live: Any, org: Any) -> None:
    """Issue 9: the JS case page offers "Keluar" (the no-JS page has it), and following it
    leaves nothing of the case or the receipt in the page."""
    code, _ = make_case(live, org)
    live.open_followup(page, code)
    page.locator("#current-status").wait_for(timeout=30_000)
    leave = page.locator("#leave a")
    assert leave.inner_text() == i18n.translate("id", "case.leave")
    leave.click()
    page.wait_for_url(live.url + "/")
    assert code not in page.content() and page.locator("#current-status").count() == 0


def test_future_retaliation_month_refused_in_the_browser(page: Any, live: Any, org: Any) -> None:
    """Issue 11: the follow-up page refuses a retaliation month that has not happened yet, as
    the report form does (the server refuses it too); the year list ends at this year."""
    code, _ = make_case(live, org)
    today = forms.indonesia_today()
    # the browser's clock says March of this year: December is then in the future
    page.clock.set_fixed_time(dt.datetime(today.year, 3, 10, 12, 0, tzinfo=dt.UTC))
    live.open_followup(page, code)
    page.locator("#current-status").wait_for(timeout=30_000)
    years = page.locator("#retaliation_year option").all_inner_texts()
    assert str(today.year) in years and str(today.year + 1) not in years
    page.check('input[name="kind"][value="retaliation"]')
    page.select_option("#retaliation_year", str(today.year))
    page.select_option("#retaliation_month", "12")
    form = page.locator("#message-form")
    assert form.locator(".js-status").inner_text() == i18n.translate("id", "error.future_month")
    assert page.locator("#retaliation_month").get_attribute("aria-invalid") == "true"
    assert not page.evaluate("document.getElementById('message-form').checkValidity()")
    page.select_option("#retaliation_month", "02")  # a past month clears the refusal
    assert page.evaluate("document.getElementById('retaliation_month').checkValidity()")
    assert form.locator('.js-status[data-key="error.future_month"]').count() == 0


def _case_with_two_statuses(live: Any, org: Any) -> str:
    """A stored case with two genuine statuses (received, then in_review); returns the receipt."""
    code, case_id, _ = live.stored_case(org, signed_followups=False)
    vault = live.app.extensions["bisik"].vault
    budi = org.reviewers["budi"]
    for state_name, at in (
        ("received", "2026-11-01T08:00:00+00:00"),
        ("in_review", "2026-11-02T08:00:00+07:00"),
    ):
        vault.add_status(case_id, records.status(budi.signing, case_id, state_name, at=at))
    return code


def test_status_order_from_server_is_not_trusted(page: Any, live: Any, org: Any) -> None:
    """F13 in docs/AUDIT-intake.md. A server that sends the genuine records oldest-last (or
    twice) cannot make an older status look current: the browser orders verified records by
    (time in UTC, id) itself."""
    code = _case_with_two_statuses(live, org)

    def reorder(route: Any) -> None:
        response = route.fetch()
        data = response.json()
        assert len(data["statuses"]) >= 2, "the case has statuses to reorder"
        data["statuses"] = [*reversed(data["statuses"]), data["statuses"][0]]
        route.fulfill(response=response, json=data)

    page.route(re.compile(r".*/api/case$"), reorder)
    live.open_followup(page, code)
    status = page.locator("#current-status")
    assert status.inner_text(timeout=30_000) == i18n.translate("id", "status.in_review")
    rows = page.locator("table tbody tr").all_inner_texts()
    assert len(rows) == 2  # the duplicate is shown once
    assert i18n.translate("id", "status.received") in rows[0]
    assert i18n.translate("id", "status.in_review") in rows[1]


def test_future_retaliation_month_refused_by_the_server_without_javascript(
    browser: Any, live: Any, org: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11: without JavaScript the follow-up page sends a future retaliation month to
    the server, which refuses it and says why on the page; nothing is recorded."""
    code, case_id = make_case(live, org)
    vault = live.app.extensions["bisik"].vault
    before = len(vault.case_history(case_id).entries)
    today = forms.indonesia_today()
    monkeypatch.setattr(forms, "indonesia_today", lambda: dt.date(today.year, 3, 10))
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live.url + "/followup")
    page.fill("#receipt-input", code)
    with page.expect_navigation():
        page.click("#followup-form button[type=submit]")
    page.check('input[name="kind"][value="retaliation"]')
    page.select_option("#retaliation_kind", forms.RETALIATION_KINDS[0])
    page.select_option("#retaliation_year", str(today.year))
    page.select_option("#retaliation_month", "12")
    page.fill("#text", "Saya dimutasi setelah melapor.")
    with page.expect_navigation():
        page.click('#message-form button[type="submit"]')
    assert i18n.translate("id", "error.future_month") in page.content()
    assert i18n.translate("id", "notice.sent_retaliation") not in page.content()
    assert len(vault.case_history(case_id).entries) == before
    context.close()
