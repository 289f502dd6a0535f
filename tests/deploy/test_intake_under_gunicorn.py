"""The real intake, set up with the same two `bisik-server init` calls install.sh makes (keys
first, then the organisation's directory signed over the server's key), served by gunicorn
with deploy/gunicorn.conf.py exactly as bisik.service runs it. Then: pages answer, the
``Server`` header has no version, proxy headers are ignored, and no log the service wrote
carries an address.
"""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import IntakeNode, clean_env


@pytest.fixture
def served(home: Path, tmp_path: Path) -> Iterator[tuple[int, Path]]:
    # what bisik.service sets (tests.servers.IntakeNode), the logs under the test's prefix
    with IntakeNode("intake", home, clean_env(), logs=tmp_path / "var/log/bisik") as node:
        yield node.port, node.logs


def get(port: int, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers or {})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp


def test_intake_served_by_deploy_config(served: tuple[int, Path], home: Path) -> None:
    port, logs = served
    landing = get(port, "/", {"X-Forwarded-For": "198.51.100.23", "X-Forwarded-Proto": "https"})
    assert landing.status == 200
    server = landing.getheader("Server") or ""
    assert not any(c.isdigit() for c in server), server  # no version
    assert get(port, "/directory.json").status == 200
    assert get(port, "/no-such-page").status == 404
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(b"BROKEN REQUEST\r\n\r\n")
        assert raw.recv(100).startswith(b"HTTP/1.1 400")
    time.sleep(0.5)

    written = [p for base in (logs, home) for p in base.rglob("*.log") if p.is_file()]
    assert (logs / "gunicorn.log") in written  # gunicorn did log the broken request
    assert "Invalid request" in (logs / "gunicorn.log").read_text()
    for path in written:
        text = path.read_text(errors="replace")
        for leak in ("127.0.0.1", "198.51.100.23", "/no-such-page"):
            assert leak not in text, (path, leak)
