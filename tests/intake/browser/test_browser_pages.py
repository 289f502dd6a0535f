"""The pages in chromium: JavaScript off (Tor Browser "Safest"), the language switch, and a
360-px phone screen.

With JavaScript disabled the plain form must work on its own: the server seals the report and
every file as they arrive, and nothing the service writes holds the marker, the receipt or
the loopback address. The language switch is a plain link (no JavaScript) and the JS path
then speaks English too. On a 360-px viewport no page scrolls sideways.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from crypto import document, envelope, receipt
from intake import i18n

pytestmark = pytest.mark.browser

MARKER = b"NOJS-PLAINTEXT-MARKER-c0de"


def _written(home: Path) -> list[Path]:
    out = [p for p in home.glob("bisik.sqlite*") if p.is_file()]
    for sub in ("blobs", "uploads", "tmp", "logs"):
        out += [p for p in (home / sub).rglob("*") if p.is_file()]
    return out


def _fill(page: Any, evidence: Path) -> None:
    page.select_option("#category", "social_media")
    page.select_option("#election", "pemilu")
    page.select_option("#province", index=3)
    page.fill("#regency", "Kota Uji")
    page.select_option("#agency_kind", "province")
    page.fill("#reported_position", "Sekretaris Daerah")
    page.fill("#description", "Unggahan kampanye di akun resmi. " + MARKER.decode())
    page.set_input_files("#evidence_1", str(evidence))


def test_no_javascript_path(browser: Any, live: Any, org: Any, tmp_path: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    evidence = tmp_path / "bukti.jpg"
    data = MARKER + os.urandom(2 * 1024 * 1024) + MARKER
    evidence.write_bytes(data)
    page.goto(live.url + "/submit")
    _fill(page, evidence)
    with page.expect_navigation():
        page.click('#report-form button[type="submit"]')
    code = page.locator("#receipt").inner_text().strip()
    assert page.get_by_text(i18n.translate("id", "receipt.path_server")).is_visible()
    context.close()

    state = live.app.extensions["bisik"]
    sec = receipt.derive(code)
    case = state.vault.case_by_lookup(receipt.lookup_tag(state.secrets.pepper, sec.lookup_id))
    assert case is not None
    report = next(e for e in state.vault.case_history(case.id).entries if e.kind == "report")
    key = org.reviewers["ani"].encryption
    with state.vault.blobs.open(report.blob.sha256) as f:
        doc = document.parse(envelope.unseal(f.read(), key))
    assert doc.channel == "server"  # only inside the sealed document, never a column
    assert MARKER.decode() in doc.fields["description"]
    with state.vault.blobs.open(doc.evidence[0].envelope_sha256) as f:
        assert envelope.unseal(f.read(), key) == data
    for path in _written(live.home):
        blob = path.read_bytes()
        for needle in (
            MARKER,
            code.encode(),
            code.replace("-", "").encode(),
            b"127.0.0.1",
            b"bukti.jpg",
        ):
            assert needle not in blob, (path.name, needle)


def test_language_switch_without_and_with_javascript(browser: Any, live: Any) -> None:
    en = i18n.catalogue("en")
    for js in (False, True):
        context = browser.new_context(java_script_enabled=js)
        page = context.new_page()
        page.goto(live.url + "/submit")
        assert page.locator("html").get_attribute("lang") == "id"
        with page.expect_navigation():
            page.get_by_role("link", name=en["lang.en"]).click()
        page.goto(live.url + "/submit")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_role("link", name=en["nav.submit"]).is_visible()
        if js:  # the JS path takes its texts from the same catalogue, in English now
            page.wait_for_selector('#report-form[data-bisik-path="browser"]')
            got = page.evaluate("BisikApi.text('receipt.path_browser')")
            assert got == en["receipt.path_browser"]
        context.close()


@pytest.mark.parametrize("js", [False, True])
def test_phone_viewport_has_no_sideways_scroll(browser: Any, live: Any, js: bool) -> None:
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
        java_script_enabled=js,
    )
    page = context.new_page()
    for path in ("/", "/submit", "/followup"):
        page.goto(live.url + path)
        page.wait_for_load_state("load")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
        assert page.locator("main").is_visible()
    context.close()
