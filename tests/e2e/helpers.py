"""Shared helpers for the whole-flow tests: the reporter's side through the real intake, the
operator's ``bisik-server`` commands, and a search of what a seized server holds.

The reporter drives the no-JavaScript path with the Flask test client (:func:`client_for`,
:func:`submit`, :func:`followup`); the operator runs the server CLI in-process as
``bisik-server`` would (:func:`server`). The reviewer's tool is ``tests.demo_org.reviewer``,
a separate process as on the laptop.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from flask.testing import FlaskClient

from intake import cli as server_cli
from intake import config as cfg
from intake import demo
from intake.app import create_app
from tests.intake.helpers import report_fields, with_files
from tests.reviewer.helpers import jpeg_with_gps
from vault.store import Vault

MARKER = "PENANDA-E2E-7f3a91 camat memerintahkan apel siaga di kantor kecamatan"
_PHOTO = jpeg_with_gps(Path(tempfile.mkdtemp()) / "foto.jpg").read_bytes()
EVIDENCE = {
    "foto-apel-siaga-kantor-camat.jpg": _PHOTO,  # carries camera make, artist and GPS
    "rekaman-rapat-camat.ogg": os.urandom(300_000),  # not a format mat2 can clean
}
CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
RECEIPT_RE = re.compile(r'<code id="receipt">([0-9A-Z-]+)</code>')


def server(made: demo.Demo, *args: str) -> None:
    """``bisik-server ARGS`` on the organisation's server home; fails the test unless it exits 0."""
    assert server_cli.main(["--home", str(made.server_home), *args]) == 0


def client_for(made: demo.Demo) -> tuple[FlaskClient, Vault]:
    """A test client of the intake on the server home (receipt floor cut to 10 ms) and its vault."""
    config = cfg.with_overrides(cfg.load(made.server_home, env={}), receipt_floor_ms=10)
    app = create_app(config)
    app.testing = True
    return app.test_client(), app.extensions["bisik"].vault


def submit(client: FlaskClient) -> str:
    """A report with MARKER in its description and the EVIDENCE files; the receipt shown."""
    page = client.get("/submit").get_data(as_text=True)
    token = CSRF_RE.search(page)
    assert token
    files = {f"evidence_{i}": (data, name) for i, (name, data) in enumerate(EVIDENCE.items(), 1)}
    data = with_files(report_fields(token.group(1), description=MARKER, share=["1", "2"]), files)
    resp = client.post("/submit", data=data, content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:2000]
    match = RECEIPT_RE.search(resp.get_data(as_text=True))
    assert match, "no receipt on the confirmation page"
    return match.group(1)


def followup(client: FlaskClient, receipt: str) -> str:
    """The reporter's follow-up page for ``receipt`` (as typed), as HTML."""
    page = client.get("/followup").get_data(as_text=True)
    token = CSRF_RE.search(page)
    assert token
    resp = client.post("/followup", data={"csrf_token": token.group(1), "receipt": receipt})
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def scan(root: Path, needles: dict[str, bytes]) -> list[str]:
    """Every (file, what) pair where a needle occurs anywhere under ``root``."""
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path}: {what}" for what, needle in needles.items() if needle in data]
    return found
