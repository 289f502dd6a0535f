"""Nothing that identifies a reporter reaches the disk: not the text, the file, its name, the
receipt, the reply key, the address or the browser string — in the database, blobs, temporary
directories or logs. And no plaintext temporary file appears while a large upload streams.

The promise: docs/THREAT_MODEL.md P1, a seized server reveals no report and no reporter.
"""

from __future__ import annotations

import http.client
import io
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from crypto import receipt
from crypto.keys import raw_private

from ..conftest import csrf_of, receipt_of
from ..helpers import report_fields, with_files

ADDR = "198.51.100.73"
AGENT = "UA-MARKER-Mozilla-7d1f3c"
TEXT = "TEXT-MARKER-kepala-dinas-8c2e41"
FILE_BODY = b"FILE-MARKER-5be0a9-" * 4000
FILE_NAME = "NAME-MARKER-bukti-3f9d.jpg"


def _files_under(*roots: Path) -> Iterator[Path]:
    for root in roots:
        yield from (p for p in root.rglob("*") if p.is_file())


def _contains(path: Path, needle: bytes) -> bool:
    overlap = len(needle) - 1
    tail = b""
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            if needle in tail + block:
                return True
            tail = block[-overlap:] if overlap else b""
    return False


def test_no_identifying_trace_anywhere(make_app, home: Path) -> None:  # type: ignore[no-untyped-def]
    app: Flask = make_app()
    env = {"REMOTE_ADDR": ADDR, "HTTP_USER_AGENT": AGENT, "HTTP_X_FORWARDED_FOR": ADDR}
    client = app.test_client()
    client.environ_base.update(env)
    data = with_files(
        report_fields(csrf_of(client), description=TEXT, reported_name=TEXT),
        {"evidence_1": (FILE_BODY, FILE_NAME)},
    )
    resp = client.post("/submit", data=data, content_type="multipart/form-data")
    code = receipt_of(resp.get_data(as_text=True))
    token = csrf_of(client, "/followup")
    assert client.post("/followup", data={"csrf_token": token, "receipt": code}).status_code == 200
    msg = {
        "csrf_token": token,
        "receipt": code,
        "kind": "message",
        "text": TEXT,
        "evidence_1": (io.BytesIO(FILE_BODY), FILE_NAME),
    }
    assert (
        client.post("/followup/message", data=msg, content_type="multipart/form-data").status_code
        == 200
    )
    client.post("/followup/proof", data={"csrf_token": token, "receipt": code})
    client.post("/followup", data={"csrf_token": "bad", "receipt": code})  # a refusal, logged?
    client.get("/no-such-page")
    bad = with_files(
        report_fields(token, description=TEXT, category=None),
        {"evidence_1": (FILE_BODY, FILE_NAME)},
    )
    client.post("/submit", data=bad, content_type="multipart/form-data")  # refused, logged
    app.extensions["bisik"].vault.close()  # flush SQLite WAL into the file we scan

    secrets = receipt.derive(code)
    needles = {
        "text": TEXT.encode(),
        "file": FILE_BODY[:64],
        "name": FILE_NAME.encode(),
        "receipt": code.encode(),
        "receipt-canonical": receipt.normalize(code).encode(),
        "address": ADDR.encode(),
        "agent": AGENT.encode(),
        "lookup-id": secrets.lookup_id,
        "reply-private": raw_private(secrets.reply_key),
    }
    files = list(_files_under(home))
    assert any(p.suffix == ".log" for p in files) and any("blobs" in p.parts for p in files)
    log_text = (home / "logs" / "bisik.log").read_text()
    assert "submission refused: error.missing_field" in log_text  # the log really was written
    found = [(label, str(p)) for p in files for label, n in needles.items() if _contains(p, n)]
    assert found == []


class _Server:
    def __init__(self, app: Flask) -> None:
        self.httpd = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.httpd.server_port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.thread.join()


@pytest.mark.slow
def test_large_upload_leaves_no_plaintext_temp(
    make_app, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sys_tmp = tmp_path / "system-tmp"
    sys_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(sys_tmp))
    app: Flask = make_app()
    server = _Server(app)
    marker = b"PLAINTEXT-PATTERN-0123456789abcdef"
    size = 50 << 20
    seen: list[str] = []
    scans: list[int] = []

    def scan() -> None:  # every file the service (or a spooling parser) could have written
        files = list(_files_under(home, sys_tmp))
        scans.append(len(files))
        seen.extend(str(p) for p in files if _contains(p, marker))

    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        conn.request("GET", "/submit")
        first = conn.getresponse()
        page = first.read().decode()
        cookie = first.getheader("Set-Cookie", "").split(";")[0]
        token = page.split('name="csrf-token" content="')[1].split('"')[0]
        boundary = "----bisikTestBoundary7MA4YWxkTrZu0gW"
        head = io.BytesIO()
        for key, value in report_fields(token).items():
            for v in value if isinstance(value, list) else [value]:
                disposition = f'Content-Disposition: form-data; name="{key}"'
                head.write(f"--{boundary}\r\n{disposition}\r\n\r\n{v}\r\n".encode())
        head.write(
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="evidence_1"; filename="big.bin"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n".encode()
        )
        tail = f"\r\n--{boundary}--\r\n".encode()
        block = marker * ((1 << 20) // len(marker))
        n_blocks = size // len(block)
        length = len(head.getvalue()) + n_blocks * len(block) + len(tail)
        conn.putrequest("POST", "/submit")
        conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        conn.putheader("Content-Length", str(length))
        conn.putheader("Cookie", cookie)
        conn.endheaders()
        conn.send(head.getvalue())
        for i in range(n_blocks):
            conn.send(block)
            if i % 5 == 4:
                scan()
        conn.send(tail)
        resp = conn.getresponse()
        html = resp.read().decode()
        assert resp.status == 200, html[-600:]
        assert 'id="receipt"' in html
        scan()
    finally:
        server.close()
    assert seen == []
    assert list(sys_tmp.iterdir()) == []  # nothing spooled to the system temporary directory
    assert len(scans) >= 10 and max(scans) > min(scans)  # scanned while the blob grew
