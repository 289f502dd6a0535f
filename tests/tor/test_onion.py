"""The reporter's real path: chromium over Tor to Bisik's onion service, then the air-gap loop.

Both reporter paths run through the private network's onion service (see conftest.py): the
form with JavaScript disabled (sealed on the server) and with JavaScript (sealed in the page
with WebCrypto), each with real files. Each report then goes round the loop the way people run
it: ``bisik-server export`` on the server, ``bisik-reviewer import`` on the laptop, the report
and the evidence read there byte for byte, a reply and an ``outbox``, ``bisik-server import``
back on the server, and the reporter's follow-up through the onion shows the reply.
A Tor2web gateway (``X-Tor2web`` header) gets the use-Tor-Browser page and never the form.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from crypto import receipt
from intake import config as cfg
from intake import i18n
from intake.config import load_secrets
from tests.demo_org import reviewer
from tests.intake.browser.helpers import TEXT_MARKER, fill_report, marked_file
from vault.store import Vault

from .conftest import BIN, Onion, new_page
from .network import socks_get

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _reviewer(onion: Onion, *args: str) -> str:
    """``bisik-reviewer`` for reviewer ani, as a separate process; its stdout."""
    return reviewer(onion.org, "ani", *args)


def _server(onion: Onion, *args: str) -> None:
    """``bisik-server`` on the running service's home, as the operator runs it."""
    env = {**os.environ, "BISIK_HOME": str(onion.org.server_home)}
    done = subprocess.run(
        [str(BIN / "bisik-server"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"bisik-server {args[0]}:\n{done.stdout}\n{done.stderr}"


def _case_id(onion: Onion, code: str) -> str:
    """The stored case the receipt opens (looked up the way the service does)."""
    config = cfg.load(onion.org.server_home, env={})
    vault = Vault.open(config.database_url, config.home)
    try:
        tag = receipt.lookup_tag(load_secrets(config).pepper, receipt.derive(code).lookup_id)
        case = vault.case_by_lookup(tag)
        assert case is not None, "no case for the receipt the page showed"
        return str(case.id)
    finally:
        vault.close()


def _submit(onion: Onion, page: Any, files: list[Path], *, in_browser: bool = False) -> str:
    """Fill and send the report form; the receipt code the page shows.

    With ``in_browser`` the form is sent only once its script has verified the directory
    (``data-bisik-path="browser"``): until then the page deliberately falls back to the
    server-sealed path, which over a slow circuit would be a different test."""
    page.goto(onion.url + "/submit")
    if in_browser:
        page.wait_for_selector('#report-form[data-bisik-path="browser"]', timeout=120_000)
    fill_report(page, files)
    page.click('#report-form button[type="submit"]')
    code = page.locator("#receipt").inner_text(timeout=180_000).strip()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){4}", code)
    return code


def _air_gap_loop(onion: Onion, code: str, tmp_path: Path, reply: str) -> dict[str, bytes]:
    """Export, import on the laptop, check the report, reply, outbox, import on the server.

    Returns the evidence files as the reviewer took them out (originals, by name)."""
    case_id = _case_id(onion, code)
    export = tmp_path / "export.bisik"
    _server(onion, "export", "--out", str(export))
    _reviewer(onion, "import", str(export))
    assert TEXT_MARKER in _reviewer(onion, "show", case_id)
    out = tmp_path / "evidence"
    _reviewer(onion, "evidence", case_id, "--out", str(out), "--original")
    taken = {}
    for path in out.iterdir():
        name = re.sub(r"\.(ORIGINAL|NOT-CLEANED)", "", path.name)
        if ".ORIGINAL." in path.name or path.name.endswith(".NOT-CLEANED"):
            taken[name] = path.read_bytes()
    _reviewer(onion, "status", case_id, "in_review")
    _reviewer(onion, "reply", case_id, "--message", reply)
    outbox = tmp_path / "outbox.bisik"
    _reviewer(onion, "outbox", "--out", str(outbox))
    _server(onion, "import", str(outbox))
    return taken


def _evidence(tmp_path: Path) -> tuple[list[Path], list[bytes]]:
    paths = [tmp_path / "rekaman-rapat.mp4", tmp_path / "tangkapan-layar.png"]
    return paths, [marked_file(paths[0], 2 * 1024 * 1024 + 4321), marked_file(paths[1], 300_000)]


def _assert_same_files(taken: dict[str, bytes], paths: list[Path], data: list[bytes]) -> None:
    assert sorted(taken.values()) == sorted(data)  # byte for byte, whatever the names became
    assert len(taken) == len(paths)


def test_nojs_report_over_tor_round_trip(onion: Onion, tor_browser: Any, tmp_path: Path) -> None:
    page = new_page(tor_browser, javascript=False)
    paths, data = _evidence(tmp_path)
    code = _submit(onion, page, paths)
    assert page.get_by_text(i18n.translate("id", "receipt.path_server")).is_visible()

    reply = "Balasan lewat Tor tanpa JavaScript: laporan Anda kami terima."
    _assert_same_files(_air_gap_loop(onion, code, tmp_path, reply), paths, data)

    page.goto(onion.url + "/followup")
    page.fill("#receipt-input", code)
    page.click("#followup-form button[type=submit]")
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    assert reply in text
    assert i18n.translate("id", "status.in_review") in text
    page.context.close()


def test_js_report_over_tor_round_trip(onion: Onion, tor_browser: Any, tmp_path: Path) -> None:
    page = new_page(tor_browser, javascript=True)
    paths, data = _evidence(tmp_path)
    code = _submit(onion, page, paths, in_browser=True)  # WebCrypto is there
    assert page.get_by_text(i18n.translate("id", "receipt.path_browser")).is_visible()

    reply = "Balasan lewat Tor dengan JavaScript: bukti Anda sudah kami buka."
    _assert_same_files(_air_gap_loop(onion, code, tmp_path, reply), paths, data)

    page.goto(onion.url + "/followup")
    page.wait_for_selector('#followup-form[data-bisik-path="browser"]')
    page.fill("#receipt-input", code)
    page.click("#followup-form button[type=submit]")
    assert page.locator(".reply .text").first.inner_text(timeout=120_000) == reply
    assert not page.errors, page.errors
    page.context.close()


def test_tor2web_gets_use_tor_browser_page_not_form(onion: Onion) -> None:
    for path in ("/", "/submit", "/followup"):
        raw = socks_get(
            onion.socks_port, onion.address, 80, path, headers={"X-Tor2web": "encrypted"}
        )
        head, _, body = raw.partition(b"\r\n\r\n")
        html = body.decode()
        assert head.split(b" ")[1] == b"403", head[:100]
        assert i18n.translate("id", "tor2web.title") in html  # Indonesian first
        assert 'id="report-form"' not in html and 'id="followup-form"' not in html
    plain = socks_get(onion.socks_port, onion.address, 80, "/submit")
    assert b'id="report-form"' in plain  # the same request without the header: the form


def test_onion_torrc_is_the_rendered_deploy_template(onion: Onion) -> None:
    torrc = onion.torrc.read_text()
    for line in (
        "HiddenServicePoWDefensesEnabled 1",
        "Sandbox 1",
        "HiddenServiceVersion 3",
        "SocksPort 0",
    ):
        assert line in torrc.splitlines()
    used = (onion.network.root / "onion" / "torrc").read_text()
    assert used.startswith(torrc)  # production lines first, unchanged; test lines only after
