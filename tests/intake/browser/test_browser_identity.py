"""Identity disclosure in chromium (crypto/SPEC.md §17): the reporter's details are sealed in
the browser to the reviewers the reporter ticked and to nobody else — not another reviewer of
the case, not the receipt's reply key, not the server — and signed with the receipt as a
follow-up message. Without the confirmation nothing is sent.
"""

from __future__ import annotations

from typing import Any

import pytest

from crypto import document, envelope, followup, identity, receipt
from crypto.errors import DecryptionError
from intake import i18n
from tests.intake.browser.helpers import make_case

pytestmark = pytest.mark.browser
NAME = "PENANDA-IDENTITAS Rina Wulandari"
PHONE = "+62 812 5555 0101"


def _open(page: Any, live: Any, code: str) -> None:
    live.open_followup(page, code)
    page.wait_for_selector("#identity-form", timeout=30_000)


def test_identity_sealed_only_to_the_chosen_reviewer(page: Any, live: Any, org: Any) -> None:
    code, case_id = make_case(live, org)
    sent: list[bytes] = []
    page.on("request", lambda r: sent.append(r.post_data_buffer or b""))
    _open(page, live, code)
    section = page.locator("#identity").inner_text()
    for key in ("identity.who_reads", "identity.no_take_back", "identity.lpsk"):
        assert i18n.translate("id", key) in section
    vault = live.app.extensions["bisik"].vault

    def messages() -> list[Any]:
        return [e for e in vault.case_history(case_id).entries if e.kind == "message"]

    # without the confirmation: refused in the page, nothing sent
    page.check('#identity-form input[name="identity_reviewer"][value="ani"]')
    page.fill("#identity_name", NAME)
    page.click("#identity-form button[type=submit]")
    page.locator("#identity-form .js-status.error").get_by_text(
        i18n.translate("id", "identity.need_confirm")
    ).wait_for()
    assert messages() == []

    page.fill("#identity_phone", PHONE)
    page.check("#identity-confirm")
    page.click("#identity-form button[type=submit]")
    page.get_by_text(i18n.translate("id", "notice.identity_sent")).wait_for(timeout=30_000)
    (entry,) = messages()
    with vault.blobs.open(entry.blob.sha256) as f:
        sealed = f.read()
    doc = document.parse(envelope.unseal(sealed, org.reviewers["ani"].encryption))
    assert (doc.type, doc.channel, doc.reply_key) == (identity.TYPE, "browser", None)
    assert identity.check_fields(doc.fields) == {"name": NAME, "phone": PHONE}
    for other in (org.reviewers["budi"].encryption, receipt.derive(code).reply_key):
        with pytest.raises(DecryptionError):  # another reviewer, and the receipt itself
            envelope.unseal(sealed, other)
    followup.verify(
        entry.record or b"",
        receipt.derive(code).followup_public,
        case_id,
        identity.ITEM,
        entry.blob.sha256,
        [],
    )
    for body in sent:  # the server never saw the details
        assert NAME.encode() not in body and PHONE.encode() not in body
    assert not page.console_errors, page.console_errors


def test_no_js_page_explains_why_disclosure_needs_javascript(live: Any, org: Any) -> None:
    code, _case_id = make_case(live, org)
    client = live.app.test_client()
    page = client.get("/followup").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token
    html = client.post("/followup", data={"csrf_token": token.group(1), "receipt": code})
    text = html.get_data(as_text=True)
    assert "Safer" in text and 'id="identity-nojs"' in text
    assert 'id="identity-form"' not in text  # no form that would send details to the server


def test_tracking_steps_verified_and_coarse_in_the_browser(page: Any, live: Any, org: Any) -> None:
    """The authority's progress (SPEC §16) drawn by the browser: verified steps by day with
    authority and stage; the reference never shown; a step by an unknown key dropped."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from crypto import tracking
    from vault.entries import Outbound

    code, case_id = make_case(live, org)
    budi = org.reviewers["budi"].signing
    steps = [
        tracking.step(
            budi, case_id, "bawaslu", "sent", "2026-11-03", at="2026-11-03T09:00:00+00:00"
        ),
        tracking.step(
            budi,
            case_id,
            "bawaslu",
            "acknowledged",
            "2026-11-05",
            reference="REF-77/PM.01",
            at="2026-11-05T09:00:00+00:00",
        ),
        tracking.step(
            Ed25519PrivateKey.generate(),
            case_id,
            "ppk",
            "sanction",
            "2026-11-06",
            level="berat",
            at="2026-11-06T09:00:00+00:00",
        ),
    ]
    with live.app.extensions["bisik"].vault.batch() as tx:
        tx.add_records([Outbound("track", case_id, s) for s in steps])
    _open(page, live, code)
    rows = page.locator("#steps tbody tr").all_inner_texts()
    assert [r.split("\t")[0] for r in rows] == ["2026-11-03", "2026-11-05"]
    assert i18n.translate("id", "track.stage.acknowledged") in rows[1] and "Bawaslu" in rows[1]
    text = page.locator("#steps").inner_text()
    assert "REF-77" not in text and i18n.translate("id", "case.rejected", n=1) in text
