"""Playwright fixtures: Debian's chromium, headless, driving the real service on 127.0.0.1.

* ``browser``: one chromium for the whole session (``/usr/bin/chromium``; nothing downloaded).
* ``page``: a fresh context and page per test, with console errors collected.
* ``live``: the intake app (from tests/intake/conftest.py's ``make_app``) served by a threaded
  werkzeug server on a free loopback port; 127.0.0.1 is a secure context, so crypto.subtle
  exists.
* ``static_url``: intake/static served by a plain HTTP server, for the vector runs that need
  only the crypto script.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from crypto import document, envelope, receipt
from crypto.encoding import b64u_encode
from crypto.keys import raw_public
from tests.chromium import ARGS, CHROMIUM
from tests.intake.conftest import Org, reviewer_keys

STATIC = Path(__file__).resolve().parents[3] / "intake" / "static"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser(playwright_session: Any) -> Iterator[Any]:
    # installed by scripts/install-system-deps.sh: its absence is a failure, not a skip
    assert os.path.exists(CHROMIUM), "Debian chromium is missing: run `make setup-test`"
    b = playwright_session.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
    yield b
    b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    # Script errors, and failed requests of our own code (a missing favicon is not one).
    pg.console_errors = []
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    pg.on(
        "console",
        lambda m: (
            m.type == "error"
            and not m.text.startswith("Failed to load resource")
            and pg.console_errors.append(m.text)
        ),
    )
    pg.on(
        "response",
        lambda r: (
            r.status >= 400
            and ("/api/" in r.url or "/static/js/" in r.url)
            and pg.console_errors.append(f"{r.status} {r.url}")
        ),
    )
    yield pg
    context.close()


@dataclass
class Live:
    """A running service: its base URL, the Flask app and the server home."""

    url: str
    app: Flask
    home: Path

    def stored_case(
        self, org: Org, *, signed_followups: bool = True
    ) -> tuple[str, str, receipt.ReceiptSecrets]:
        """A case stored the way the JavaScript path stores one, made with the Python
        reference: a fresh receipt, a report sealed to every reviewer of ``org``; with
        ``signed_followups`` the receipt's follow-up key is published (SPEC §12). Returns the
        receipt, the case id and the receipt's secrets."""
        state = self.app.extensions["bisik"]
        code = receipt.generate()
        sec = receipt.derive(code)
        followup_key = raw_public(sec.followup_public) if signed_followups else None
        doc = document.Document(
            type="report",
            submitted_at=document.now(),
            channel="server",
            fields={"description": "laporan"},
            reply_key=b64u_encode(raw_public(sec.reply_public)),
            followup_key=b64u_encode(followup_key) if followup_key else None,
        )
        ref = state.vault.blobs.put_bytes(envelope.seal(doc.to_bytes(), reviewer_keys(org)))
        case_id = state.vault.create_case(
            lookup_tag=receipt.lookup_tag(state.secrets.pepper, sec.lookup_id),
            reply_public=raw_public(sec.reply_public),
            recipients=list(org.reviewers),
            report_blob=ref,
            evidence=[],
            followup_public=followup_key,
        )
        return code, case_id, sec

    def open_followup(self, page: Any, code: str) -> None:
        """Open the follow-up page, wait until its script has taken the form over (it has
        verified the directory), enter ``code`` as the receipt and send it."""
        page.goto(self.url + "/followup")
        page.wait_for_selector('#followup-form[data-bisik-path="browser"]')
        page.fill("#receipt-input", code)
        page.click("#followup-form button[type=submit]")


def _serve(app: Flask) -> tuple[Any, threading.Thread]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture
def live(
    make_app: Callable[..., Flask],
    home: Path,
    request: pytest.FixtureRequest,
) -> Iterator[Live]:
    """The intake on a loopback port; ``indirect`` parametrisation names the blob store."""
    app = make_app(blob_store=getattr(request, "param", "files"))
    server, thread = _serve(app)
    try:
        yield Live(f"http://127.0.0.1:{server.server_port}", app, home)
    finally:
        server.shutdown()
        thread.join(5)


class _Static(http.server.SimpleHTTPRequestHandler):
    BLANK = (
        b'<!doctype html><html><head><meta charset="utf-8">'
        b'<script src="/js/bisik-crypto.js"></script></head><body></body></html>'
    )

    def log_message(self, *args: Any) -> None:  # no access log, even in tests
        pass

    def do_GET(self) -> None:
        if self.path != "/":
            return super().do_GET()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Security-Policy", "default-src 'self'; script-src 'self'")
        self.send_header("Content-Length", str(len(self.BLANK)))
        self.end_headers()
        self.wfile.write(self.BLANK)


@pytest.fixture(scope="session")
def static_url() -> Iterator[str]:
    handler = functools.partial(_Static, directory=str(STATIC))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    thread.join(5)
