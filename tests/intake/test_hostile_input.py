"""Hostile requests get a clear 4xx, no traceback, nothing stored, and a bounded log
(issue 8: bad ``Host`` header, nameless multipart part, deeply nested JSON, ``?offset=²``).

Run through a real gunicorn writing a real log file, since that is where the 500s and the
log lines with request paths happened.
"""

from __future__ import annotations

import http.client
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from intake.logs import Bounded
from tests.servers import IntakeNode, clean_env

MARKER = "PATHMARKER7d1"
DEEP_LIST = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 50_000 + "1" + "}" * 50_000
pytestmark = pytest.mark.slow


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


@pytest.mark.parametrize("body", [DEEP_LIST, DEEP_OBJECT], ids=["list", "object"])
@pytest.mark.parametrize("url", ["/api/uploads", "/api/reports", "/api/case", "/api/case/message"])
def test_deeply_nested_json_is_refused(server: Server, url: str, body: str) -> None:
    cookie, csrf = server.session()
    headers = {"Content-Type": "application/json", "Cookie": cookie, "X-CSRF-Token": csrf}
    status, answer = server.request("POST", url, body.encode(), **headers)
    assert status == 400, answer[:300]
    assert json.loads(answer) == {"error": "error.malformed"}
    assert server.stored_files() == []


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
