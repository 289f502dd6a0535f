"""The service under real gunicorn with intake.gunicorn_conf, as bisik.service runs it
(tests.servers.IntakeNode): no version in Server, no access log, no address in anything
gunicorn or the app prints, a no-JS submission over real HTTP, and a body
that goes silent does not hold a worker thread (``intake.bodies``' idle timeout)."""

from __future__ import annotations

import http.client
import socket
import time
from pathlib import Path

import pytest

from tests.servers import IntakeNode, clean_env

from .helpers import report_fields


def _session(resp: http.client.HTTPResponse) -> tuple[str, str]:
    """The session cookie and the CSRF token of a ``GET /submit`` answer."""
    page = resp.read().decode()
    cookie = (resp.getheader("Set-Cookie") or "").split(";")[0]
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    return cookie, token


@pytest.mark.slow
def test_under_gunicorn(home: Path) -> None:
    with IntakeNode("gunicorn", home, clean_env(), threads=2) as node:
        conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=30)
        conn.request("GET", "/submit", headers={"User-Agent": "UA-MARKER-gunicorn"})
        resp = conn.getresponse()
        cookie, token = _session(resp)
        assert resp.status == 200
        assert not any(ch.isdigit() for ch in resp.getheader("Server", ""))
        boundary = "gunicornTestBoundary"
        disposition = 'Content-Disposition: form-data; name="{}"'
        parts = [
            f"--{boundary}\r\n{disposition.format(k)}\r\n\r\n{v}\r\n"
            for k, vs in report_fields(token).items()
            for v in (vs if isinstance(vs, list) else [vs])
        ]
        body = ("".join(parts) + f"--{boundary}--\r\n").encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Cookie": cookie}
        conn.request("POST", "/submit", body=body, headers=headers)
        resp = conn.getresponse()
        assert resp.status == 200 and 'id="receipt"' in resp.read().decode()
        conn.request("GET", "/nope")
        assert conn.getresponse().status == 404
    printed = node.printed()  # gunicorn's error log, the app's log, stdout and stderr
    assert printed  # the logs were written where they are read
    assert "127.0.0.1" not in printed and "UA-MARKER" not in printed
    assert "GET /" not in printed and "POST /" not in printed


@pytest.mark.slow
def test_silent_upload_releases_its_thread_under_gunicorn(home: Path) -> None:
    """Audit F8 (docs/AUDIT-intake.md): under gunicorn a no-JS upload that goes silent held a
    worker thread forever."""
    toml = home / "server.toml"
    toml.write_text("read_idle_seconds = 2\n" + toml.read_text("utf-8"), "utf-8")
    with IntakeNode("gunicorn", home, clean_env(), threads=1) as node:
        port = node.port
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/submit")
        cookie, token = _session(conn.getresponse())
        conn.close()
        first = (
            f'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        ).encode()
        silent = socket.create_connection(("127.0.0.1", port), timeout=20)
        silent.sendall(
            b"POST /submit HTTP/1.1\r\nHost: x\r\nCookie: "
            + cookie.encode()
            + b"\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            + b"Content-Length: 10000000\r\n\r\n"
            + first
        )
        started = time.monotonic()
        try:
            answer = silent.recv(4096)  # the server must give up on us: an answer or a close
        finally:
            silent.close()
        waited = time.monotonic() - started
        assert waited < 15
        assert answer == b"" or answer.startswith(b"HTTP/1.1 4")
        other = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        other.request("GET", "/")
        assert other.getresponse().status == 200  # the one thread is free again
