"""Hostile requests get a clear 4xx, no traceback, nothing stored, and a bounded log
(issue 8: bad ``Host`` header, nameless multipart part, deeply nested JSON, ``?offset=²``).

Run through a real gunicorn writing a real log file, since that is where the 500s and the
log lines with request paths happened (those tests are marked slow).

Oversized, truncated and malformed no-JS uploads (through the Flask test client): a clear
message, nothing stored, no temporary file left.

The promise: docs/THREAT_MODEL.md P8, one hostile client cannot stop the service or destroy
what is stored (hostile requests are 4xx with no traceback and a bounded log).
"""

from __future__ import annotations

import http.client
import io
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from intake import i18n
from intake.logs import Bounded
from tests.servers import IntakeNode, clean_env

from ..conftest import csrf_of, tr
from ..helpers import report_fields, with_files

MARKER = "PATHMARKER7d1"
DEEP_LIST = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 50_000 + "1" + "}" * 50_000


@dataclass
class Server:
    port: int
    log: Path
    home: Path

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def request(
        self, method: str, path: str, body: bytes | None = None, **headers: str
    ) -> tuple[int, bytes]:
        conn = self.connect()
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def session(self) -> tuple[str, str]:
        """(cookie, csrf token) of a fresh page."""
        conn = self.connect()
        conn.request("GET", "/submit")
        resp = conn.getresponse()
        page = resp.read().decode()
        conn.close()
        cookie = (resp.getheader("Set-Cookie") or "").split(";")[0]
        return cookie, page.split('name="csrf-token" content="')[1].split('"')[0]

    def stored_files(self) -> list[Path]:
        return [
            p
            for d in ("blobs", "tmp", "uploads")
            for p in (self.home / d).rglob("*")
            if p.is_file()
        ]


@pytest.fixture
def server(home: Path) -> Iterator[Server]:
    with IntakeNode("hostile", home, clean_env(), threads=4) as node:
        yield Server(node.port, node.logs / "intake.log", home)
    # nothing a hostile request sent may show up in any log (the app's, gunicorn's error log,
    # stdout and stderr), and no traceback either
    text = node.printed()
    assert MARKER not in text and "Traceback" not in text, text[-2000:]


def _log_lines(server: Server) -> list[str]:
    return server.log.read_text().splitlines() if server.log.exists() else []


@pytest.mark.slow  # through a real gunicorn
def test_bad_host_header_gets_400_and_no_log_line(server: Server) -> None:
    assert server.request("GET", "/submit")[0] == 200  # the worker has started and logged
    before = len(_log_lines(server))
    conn = server.connect()
    for i in range(300):  # one connection, request after request, as in the finding
        conn.putrequest("GET", f"/submit?{MARKER}={i}", skip_host=True)
        conn.putheader("Host", "..")
        conn.endheaders()
        resp = conn.getresponse()
        body = resp.read()
        assert resp.status == 400, body[:200]
        assert b"Permintaan tidak valid." in body and b"The request was not valid." in body
        if resp.getheader("Connection") == "close":
            conn.close()
            conn = server.connect()
    conn.close()
    assert len(_log_lines(server)) == before  # not one line for 300 refusals
    assert server.request("GET", "/submit")[0] == 200  # the service is fine


def _multipart(csrf: str, part: str) -> tuple[bytes, str]:
    b = "hostileBoundary"
    first = f'--{b}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf}\r\n'
    body = (first + f"--{b}\r\n{part}\r\n\r\n{MARKER}\r\n--{b}--\r\n").encode()
    return body, f"multipart/form-data; boundary={b}"


@pytest.mark.slow  # through a real gunicorn
@pytest.mark.parametrize("url", ["/submit", "/followup/message"])
@pytest.mark.parametrize(
    "disposition",
    ['Content-Disposition: form-data; filename="a.jpg"', "Content-Disposition: form-data"],
    ids=["nameless-file", "nameless-field"],
)
def test_nameless_multipart_part_is_refused(server: Server, url: str, disposition: str) -> None:
    cookie, csrf = server.session()
    body, ctype = _multipart(csrf, disposition)
    status, page = server.request("POST", url, body, **{"Content-Type": ctype, "Cookie": cookie})
    assert status == 400, page[:300]
    assert server.stored_files() == []


@pytest.mark.slow  # through a real gunicorn
@pytest.mark.parametrize("body", [DEEP_LIST, DEEP_OBJECT], ids=["list", "object"])
@pytest.mark.parametrize("url", ["/api/uploads", "/api/reports", "/api/case", "/api/case/message"])
def test_deeply_nested_json_is_refused(server: Server, url: str, body: str) -> None:
    cookie, csrf = server.session()
    headers = {"Content-Type": "application/json", "Cookie": cookie, "X-CSRF-Token": csrf}
    status, answer = server.request("POST", url, body.encode(), **headers)
    assert status == 400, answer[:300]
    assert json.loads(answer) == {"error": "error.malformed"}
    assert server.stored_files() == []


@pytest.mark.slow  # through a real gunicorn
@pytest.mark.parametrize("kind", [["message"], {"message": 1}, 7, None], ids=repr)
def test_followup_kind_that_is_not_a_string_is_refused(server: Server, kind: object) -> None:
    """A list as ``kind`` once raised TypeError on the set test (a 500; found by fuzzing)."""
    cookie, csrf = server.session()
    headers = {"Content-Type": "application/json", "Cookie": cookie, "X-CSRF-Token": csrf}
    body = json.dumps({"lookup_id": "A" * 43, "kind": kind, "envelope": "AAAA"}).encode()
    status, answer = server.request("POST", "/api/case/message", body, **headers)
    assert status == 400, answer[:300]
    assert json.loads(answer) == {"error": "error.malformed"}
    assert server.stored_files() == []


@pytest.mark.slow  # through a real gunicorn
@pytest.mark.parametrize("offset", ["²", "١٢", "٠", "1e3", "-1", "0x10", " 1", ""])
def test_non_ascii_digit_offset_is_refused(server: Server, offset: str) -> None:
    cookie, csrf = server.session()
    headers = {"Content-Type": "application/json", "Cookie": cookie, "X-CSRF-Token": csrf}
    status, answer = server.request("POST", "/api/uploads", b'{"size": 4096}', **headers)
    assert status == 201
    upload = json.loads(answer)
    quoted = "".join(f"%{b:02X}" for b in offset.encode())
    status, answer = server.request(
        "PUT",
        f"/api/uploads/{upload['id']}?offset={quoted}",
        b"x" * 64,
        **{
            **headers,
            "Content-Type": "application/octet-stream",
            "X-Upload-Token": upload["token"],
        },
    )
    assert status == 400, answer[:300]
    assert json.loads(answer) == {"error": "error.malformed"}
    assert all(p.stat().st_size == 0 for p in (server.home / "uploads").iterdir())


@pytest.mark.slow  # through a real gunicorn
def test_repeated_refusals_leave_a_bounded_log(server: Server) -> None:
    """Each refused submission logs its reason; 200 of them in a minute log at most a burst."""
    cookie, csrf = server.session()
    body, ctype = _multipart(csrf, "Content-Disposition: form-data")
    for _ in range(200):
        status, _ = server.request(
            "POST", "/submit", body, **{"Content-Type": ctype, "Cookie": cookie}
        )
        assert status in (400, 429)
    lines = [line for line in _log_lines(server) if "refused" in line]
    assert 1 <= len(lines) <= Bounded().burst


@pytest.mark.slow
def test_bounded_filter_counts_what_it_left_out() -> None:
    now = [0.0]
    bounded = Bounded(burst=3, window=60, max_keys=4, clock=lambda: now[0])

    def record(text: str) -> logging.LogRecord:
        return logging.LogRecord("bisik.intake", logging.INFO, __file__, 1, text, None, None)

    assert [bounded.filter(record("refused: x")) for _ in range(5)] == [True] * 3 + [False] * 2
    assert bounded.filter(record("other"))  # another text has its own budget
    now[0] = 61.0
    first = record("refused: x")
    assert bounded.filter(first) and first.getMessage() == "refused: x (and 2 more like it)"
    for i in range(20):  # ever new texts cannot grow the table past its bound
        bounded.filter(record(f"text {i}"))
    assert len(bounded._seen) <= 4 + 1


BOUNDARY = "b0undaryXYZ"


def _encode(parts: list[tuple[str, str | None, bytes]]) -> bytes:
    out = io.BytesIO()
    for name, filename, value in parts:
        out.write(f"--{BOUNDARY}\r\n".encode())
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out.write(f"Content-Disposition: {disp}\r\n".encode())
        if filename:
            out.write(b"Content-Type: application/octet-stream\r\n")
        out.write(b"\r\n" + value + b"\r\n")
    out.write(f"--{BOUNDARY}--\r\n".encode())
    return out.getvalue()


def _valid_parts(csrf: str, payload: bytes) -> list[tuple[str, str | None, bytes]]:
    parts: list[tuple[str, str | None, bytes]] = []
    for key, value in report_fields(csrf).items():
        for v in value if isinstance(value, list) else [value]:
            parts.append((key, None, v.encode()))
    parts.append(("evidence_1", "big.bin", payload))
    return parts


def _post(client: FlaskClient, body: bytes, length: int | None = None, boundary: str = BOUNDARY):  # type: ignore[no-untyped-def]
    headers = {"Content-Length": str(len(body) if length is None else length)}
    return client.post(
        "/submit",
        data=body,
        headers=headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _nothing_stored(home: Path) -> None:
    leftovers = [p for p in (home / "blobs").rglob("*") if p.is_file()]
    assert leftovers == []
    assert [p for p in (home / "tmp").rglob("*") if p.is_file()] == []


def test_hand_encoded_body_is_accepted(client: FlaskClient) -> None:
    body = _encode(_valid_parts(csrf_of(client), os.urandom(1000)))
    assert 'id="receipt"' in _post(client, body).get_data(as_text=True)


def test_truncated_upload_stores_nothing(client: FlaskClient, home: Path) -> None:
    client.set_cookie(i18n.COOKIE, "en")
    body = _encode(_valid_parts(csrf_of(client), os.urandom(400_000)))
    resp = _post(client, body[: len(body) // 2], length=len(body))
    assert resp.status_code == 400
    assert tr("en", "error.truncated") in resp.get_data(as_text=True)
    _nothing_stored(home)


def test_body_cut_before_final_boundary(client: FlaskClient, home: Path) -> None:
    body = _encode(_valid_parts(csrf_of(client), os.urandom(100_000)))
    cut = body[: body.rindex(f"--{BOUNDARY}".encode())]
    resp = _post(client, cut)
    assert resp.status_code == 400
    _nothing_stored(home)


@pytest.mark.parametrize(
    "body",
    [
        b"not multipart at all",
        b"--b0undaryXYZ\r\nno-disposition: x\r\n\r\nvalue\r\n--b0undaryXYZ--\r\n",
        b"--b0undaryXYZ\r\nContent-Disposition: form-data; "
        b'name="csrf_token"\r\n\r\n\xff\xfe\r\n--b0undaryXYZ--\r\n',
        b"",
    ],
)
def test_malformed_bodies_are_refused(client: FlaskClient, home: Path, body: bytes) -> None:
    csrf_of(client)
    resp = _post(client, body)
    assert resp.status_code in (400, 403)
    assert 'class="error"' in resp.get_data(as_text=True)
    _nothing_stored(home)


@pytest.mark.parametrize(("limit", "size"), [(512 * 1024, 600_000), (100_000, 2_000_000)])
def test_oversized_upload_is_refused_before_reading(
    make_app, home: Path, limit: int, size: int
) -> None:  # type: ignore[no-untyped-def]
    app: Flask = make_app(max_upload_bytes=limit)
    client = app.test_client()
    client.set_cookie(i18n.COOKIE, "en")
    data = with_files(report_fields(csrf_of(client)), {"evidence_1": (os.urandom(size), "x")})
    resp = client.post("/submit", data=data, content_type="multipart/form-data")
    assert resp.status_code == 413
    html = resp.get_data(as_text=True)
    assert tr("en", "error.too_large") in html, html[html.find("<main") :]
    _nothing_stored(home)


def test_too_many_files(make_app, home: Path) -> None:  # type: ignore[no-untyped-def]
    app: Flask = make_app(max_files=2)
    client = app.test_client()
    files = {f"evidence_{i}": (b"x" * 10, f"f{i}") for i in (1, 2, 3)}
    data = with_files(report_fields(csrf_of(client)), files)
    assert client.post("/submit", data=data, content_type="multipart/form-data").status_code == 413
    _nothing_stored(home)


def test_unknown_file_input_is_refused(client: FlaskClient, home: Path) -> None:
    data = with_files(report_fields(csrf_of(client)), {"sneaky": (b"x" * 10, "f")})
    assert client.post("/submit", data=data, content_type="multipart/form-data").status_code == 400
    _nothing_stored(home)


def test_text_field_after_files_is_refused(client: FlaskClient, home: Path) -> None:
    parts = _valid_parts(csrf_of(client), b"abc")
    parts.append(("description", None, b"late"))
    assert _post(client, _encode(parts)).status_code == 400
    _nothing_stored(home)


def test_missing_length_is_refused() -> None:
    from intake.errors import UploadError
    from intake.multipart import Bounds, stream_parts

    body = _encode([("csrf_token", None, b"x")])
    with pytest.raises(UploadError) as info:
        stream_parts(
            io.BytesIO(body), BOUNDARY.encode(), None, Bounds(1 << 20, 1000, 1000, 1), handler=None
        )  # type: ignore[arg-type]
    assert info.value.status == 411
