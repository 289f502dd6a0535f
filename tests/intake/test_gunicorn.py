"""The service under real gunicorn with intake.gunicorn_conf: no version in Server, no access
log, no address in anything gunicorn prints, and a no-JS submission over real HTTP."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import free_port, wait_for_port

from .forms_data import report_fields

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_under_gunicorn(home: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "BISIK_HOME": str(home),
        "BISIK_LISTEN": f"127.0.0.1:{port}",
        "BISIK_WORKERS": "1",
        "BISIK_THREADS": "2",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen(
        [str(gunicorn), "-c", "python:intake.gunicorn_conf", "intake.wsgi:app"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(proc, port, timeout=30, what="gunicorn")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/submit", headers={"User-Agent": "UA-MARKER-gunicorn"})
        resp = conn.getresponse()
        page = resp.read().decode()
        assert resp.status == 200
        assert not any(ch.isdigit() for ch in resp.getheader("Server", ""))
        cookie = (resp.getheader("Set-Cookie") or "").split(";")[0]
        token = page.split('name="csrf-token" content="')[1].split('"')[0]
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
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    printed = (out + err).decode()
    assert "127.0.0.1" not in printed and "UA-MARKER" not in printed
    assert "GET /" not in printed and "POST /" not in printed
