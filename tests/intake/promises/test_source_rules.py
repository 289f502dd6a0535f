"""Structural guarantees checked on the source: the service never reads the client's address
or browser string, never parses multipart the buffered way, and has no inline script/style.

The promise: docs/THREAT_MODEL.md P1 (no code reads the address or user agent) and
intake/README.md, "Hardening".
"""

from __future__ import annotations

import re
from pathlib import Path

INTAKE = Path(__file__).resolve().parents[3] / "intake"
FORBIDDEN = re.compile(
    r"remote_addr|REMOTE_ADDR|user_agent|User-Agent|HTTP_USER_AGENT|X-Forwarded-For|"
    r"HTTP_X_FORWARDED|access_route|get_remote_address|get_ipaddr"
)


def _python_sources() -> list[Path]:
    return [p for p in INTAKE.rglob("*.py") if "__pycache__" not in p.parts]


# The one module allowed to look at the peer: the outermost WSGI layer, which keeps only tor's
# exported circuit id and removes the peer and browser string before Flask runs
# (tests/intake/test_circuit.py).
CIRCUIT_ONLY = Path("circuit.py")


def test_no_source_reads_address_or_user_agent() -> None:
    hits = [
        f"{p.relative_to(INTAKE)}:{n}"
        for p in _python_sources()
        if p.relative_to(INTAKE) != CIRCUIT_ONLY
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if FORBIDDEN.search(line)
    ]
    assert hits == []


def test_the_circuit_module_reads_the_peer_once_and_no_browser_string() -> None:
    text = (INTAKE / CIRCUIT_ONLY).read_text()
    assert text.count('environ.get("REMOTE_ADDR")') == 1  # read once, to take the circuit id
    assert text.count('"HTTP_USER_AGENT"') == 1  # only in the list of what is dropped
    assert "request.remote_addr" not in text and "access_route" not in text


def test_no_view_touches_request_files() -> None:
    code = re.compile(r"[^`]request\.files[^`\"]")  # ignores mentions in docs and messages
    hits = [str(p) for p in _python_sources() if code.search(p.read_text())]
    assert hits == []


def test_templates_have_no_inline_script_or_style() -> None:
    for path in (INTAKE / "templates").glob("*.html"):
        text = path.read_text()
        assert "<style" not in text and " style=" not in text, path
        assert not re.search(r"<script(?![^>]*\ssrc=)", text), path
        assert not re.search(r"\son[a-z]+\s*=", text), path
