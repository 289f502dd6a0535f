"""deploy/gunicorn.conf.py, read by gunicorn's own config loader and run for real.

The real-run test starts gunicorn with this file in front of a probe app, sends a normal
request with spoofed proxy headers, a request whose handler raises with request data in the
message, and a malformed request (which makes gunicorn log the client address), then reads
the error log: no address, no URI, no exception message, no clock time, and no access log.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gunicorn.app.wsgiapp import WSGIApplication

from tests.servers import free_port, serving

from .conftest import DEPLOY, ROOT, load_module

CONF = DEPLOY / "gunicorn.conf.py"


class _ConfigOnly(WSGIApplication):
    """gunicorn's CLI application, stopped after it has read the config file."""

    def load(self) -> Any:
        return None


def load_config(monkeypatch: pytest.MonkeyPatch, **env: str) -> Any:
    for name in ("BISIK_LISTEN", "BISIK_HOME", "BISIK_WORKERS", "BISIK_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "argv", ["gunicorn", "-c", str(CONF)])
    return _ConfigOnly().cfg


def test_security_settings_through_gunicorn_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = load_config(monkeypatch)
    assert cfg.accesslog is None
    assert cfg.bind == ["127.0.0.1:8080"]
    assert cfg.forwarded_allow_ips == []
    assert cfg.proxy_allow_ips == ["127.0.0.1", "::1"]  # tor's PROXY line, from loopback only
    assert cfg.proxy_protocol == "v1"
    assert cfg.secure_scheme_headers == {}
    assert cfg.worker_class_str == "gevent"  # an idle socket holds no thread
    assert cfg.workers >= 2 and cfg.worker_connections >= 500
    assert 0 < cfg.keepalive <= 30  # the gevent worker's total deadline for a request head
    assert cfg.limit_request_line <= 4094 and cfg.limit_request_fields <= 100
    assert cfg.logger_class.__name__ == "BisikLogger"
    assert cfg.control_socket_disable is True
    assert cfg.max_requests == 0  # recycling a worker would cut a long upload


def test_listen_comes_from_server_toml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "server.toml").write_text('listen = "127.0.0.1:9191"\n')
    assert load_config(monkeypatch, BISIK_HOME=str(tmp_path)).bind == ["127.0.0.1:9191"]
    cfg = load_config(monkeypatch, BISIK_LISTEN="unix:/run/bisik/gunicorn.sock")
    assert cfg.bind == ["unix:/run/bisik/gunicorn.sock"]
    assert load_config(monkeypatch, BISIK_LISTEN="[::1]:8080").bind == ["[::1]:8080"]


@pytest.mark.parametrize("listen", ["0.0.0.0:8080", "10.1.2.3:80", "[::]:8080", "example.org:80"])
def test_public_bind_is_refused(monkeypatch: pytest.MonkeyPatch, listen: str) -> None:
    with pytest.raises(SystemExit):  # gunicorn reports the config error and exits
        load_config(monkeypatch, BISIK_LISTEN=listen)


def test_scrub_removes_addresses_and_times() -> None:
    conf = load_module(CONF, "bisik_gunicorn_conf")
    text = conf.scrub("from 203.0.113.9 and [2001:db8::7] and ::1 at 10:42:07 in /api/x")
    assert "203.0.113.9" not in text and "2001:db8" not in text and "::1" not in text
    assert "10:42:07" not in text
    assert text.endswith("in /api/x")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[int, Path, Path]]:
    """gunicorn with deploy/gunicorn.conf.py (and a hostile --access-logfile) on a free port."""
    port = free_port()
    error_log, access_log = tmp_path / "error.log", tmp_path / "access.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BISIK_")},
        "BISIK_LISTEN": f"127.0.0.1:{port}",
        "BISIK_WORKERS": "1",
        "BISIK_THREADS": "2",
        "BISIK_GUNICORN_ERRORLOG": str(error_log),
        "BISIK_GUNICORN_TIMEOUT": "2",  # so the slow-upload test outlasts it several times
    }
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(CONF),
        "--access-logfile",
        str(access_log),
        "tests.deploy.wsgi_probe:app",
    ]
    with serving(cmd, port, cwd=ROOT, env=env, timeout=30, what="gunicorn"):
        yield port, error_log, access_log


def test_real_gunicorn_trusts_no_proxy_and_logs_nothing_identifying(
    served: tuple[int, Path, Path],
) -> None:
    port, error_log, access_log = served
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(
        "GET",
        "/?q=1",
        headers={
            "X-Forwarded-For": "203.0.113.7",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Protocol": "ssl",
            "Forwarded": "for=203.0.113.7;proto=https",
        },
    )
    resp = conn.getresponse()
    seen = json.loads(resp.read())
    assert resp.status == 200
    assert resp.getheader("Server") == "gunicorn"  # no version
    assert seen["remote_addr"] == "127.0.0.1"  # the spoofed address was not believed
    assert seen["scheme"] == "http"

    conn.request("GET", "/boom")
    boom = conn.getresponse()
    boom.read()
    assert boom.status == 500
    conn.close()

    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(b"NOT AN HTTP REQUEST\r\n\r\n")
        assert raw.recv(100).startswith(b"HTTP/1.1 400")

    time.sleep(0.5)  # let the worker flush its log records
    log = error_log.read_text()
    assert "Invalid request from ip=[scrubbed]" in log  # gunicorn did try to log the address
    assert "Error handling request" in log and "RuntimeError at wsgi_probe.py" in log
    for secret in ("127.0.0.1", "203.0.113.7", "secret-form-value", "/boom", "Traceback"):
        assert secret not in log, secret
    assert not re.search(r"\d\d:\d\d:\d\d", log), "a clock time would date a request"
    assert not access_log.exists() or access_log.read_text() == ""


def test_slow_upload_outlives_the_worker_timeout(served: tuple[int, Path, Path]) -> None:
    """A Tor-speed upload longer than `timeout` completes: with gthread the timeout is the
    worker's heartbeat, not a request deadline. Other requests are served meanwhile."""
    port, error_log, _ = served
    pieces, piece = 14, b"\0" * 65536
    with socket.create_connection(("127.0.0.1", port), timeout=30) as upload:
        upload.sendall(
            b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
            + f"Content-Length: {pieces * len(piece)}\r\nConnection: close\r\n\r\n".encode()
        )
        started = time.monotonic()
        for i in range(pieces):
            upload.sendall(piece)
            time.sleep(0.5)
            if i == pieces // 2:  # mid-upload, the service still answers others
                other = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                other.request("GET", "/")
                assert other.getresponse().status == 200
                other.close()
        reply = b""
        while chunk := upload.recv(65536):
            reply += chunk
    assert time.monotonic() - started > 3 * 2  # several worker timeouts long
    assert reply.startswith(b"HTTP/1.1 200")
    assert reply.endswith(str(pieces * len(piece)).encode())
    assert "WORKER TIMEOUT" not in error_log.read_text()


def test_public_bind_raises_a_bisik_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from crypto.errors import BisikError

    monkeypatch.setenv("BISIK_LISTEN", "0.0.0.0:8080")
    with pytest.raises(BisikError) as caught:
        load_module(CONF, "bisik_gunicorn_conf_public")
    assert type(caught.value).__name__ == "ListenError"
    assert caught.value.hint
