"""Structural guarantees checked on the source: the service never reads the client's address
or browser string, never parses multipart the buffered way, and has no inline script/style."""

from __future__ import annotations

import re
from pathlib import Path

INTAKE = Path(__file__).resolve().parents[2] / "intake"
FORBIDDEN = re.compile(
    r"remote_addr|REMOTE_ADDR|user_agent|User-Agent|HTTP_USER_AGENT|X-Forwarded-For|"
    r"HTTP_X_FORWARDED|access_route|get_remote_address|get_ipaddr"
)


def _python_sources() -> list[Path]:
    return [p for p in INTAKE.rglob("*.py") if "__pycache__" not in p.parts]


# The one module allowed to look at the peer: it keeps only tor's exported circuit id and
# returns None for any real address (tests/intake/test_circuit.py).
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
    code = [line for line in text.splitlines() if not line.lstrip().startswith(("#", '"'))]
    assert sum("request.remote_addr" in line for line in code) == 1
    assert not re.search(r"user_agent|User-Agent|X-Forwarded|access_route", text)


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
