"""Slow clients and a normal reporter, against a real server on loopback.

Shared by the slow-connection regression tests and ``bench/slow_clients.py``: one copy of the
attack (many sockets that each trickle a request a byte at a time) and of the reporter's
visit (the submit page, then a text-only no-JavaScript report).

Kinds of slow client:
* ``head``        - a GET whose header lines arrive one byte at a time;
* ``body``        - a no-JS multipart report with a session cookie, body one byte at a time;
* ``body-nocookie`` - a cookie-less urlencoded POST (the follow-up form), trickled the same way;
* ``upload``      - a no-JS report announcing a 100 MiB file, with a cookie, trickled.
"""

from __future__ import annotations

import http.client
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

KINDS = ("head", "body", "body-nocookie", "upload")
BOUNDARY = "slowClientBoundary"


@dataclass
class Session:
    """A session cookie and its CSRF token, from one page load."""

    cookie: str
    token: str


def visit(port: int, path: str = "/submit", timeout: float = 60) -> tuple[int, Session, str]:
    """GET ``path``: (status, the session it set, the page)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        page = resp.read().decode()
    finally:
        conn.close()
    cookie = (resp.getheader("Set-Cookie") or "").split(";")[0]
    token = page.split('name="csrf-token" content="')[1].split('"')[0] if resp.status == 200 else ""
    return resp.status, Session(cookie, token), page


def multipart(fields: dict[str, str | list[str]]) -> bytes:
    """A multipart/form-data body of text fields (boundary ``BOUNDARY``)."""
    disposition = 'Content-Disposition: form-data; name="{}"'
    parts = [
        f"--{BOUNDARY}\r\n{disposition.format(k)}\r\n\r\n{v}\r\n"
        for k, vs in fields.items()
        for v in (vs if isinstance(vs, list) else [vs])
    ]
    return ("".join(parts) + f"--{BOUNDARY}--\r\n").encode()


def submit_text(
    port: int, fields: dict[str, str | list[str]], session: Session, timeout: float = 60
) -> tuple[int, str]:
    """POST a text-only no-JS report: (status, page)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "Cookie": session.cookie,
    }
    try:
        conn.request("POST", "/submit", body=multipart(fields), headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read().decode()
    finally:
        conn.close()


def _request(kind: str, session: Session | None) -> tuple[bytes, bytes]:
    """(what is sent at once, what is then trickled) for one slow client of ``kind``."""
    if kind == "head":
        return b"GET /submit HTTP/1.1\r\n", b"X-Slow: " + b"a" * 4000 + b"\r\n\r\n"
    if kind == "body-nocookie":
        body = b"receipt=" + b"A" * 2000
        head = (
            b"POST /followup HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
        )
        return head, body
    assert session is not None
    declared = 100 << 20 if kind == "upload" else 200_000
    head = (
        b"POST /submit HTTP/1.1\r\nHost: x\r\n"
        + f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n".encode()
        + f"Cookie: {session.cookie}\r\nContent-Length: {declared}\r\n\r\n".encode()
    )
    first = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
    return head + first.encode() + session.token.encode() + b"\r\n", b"x" * declared


@dataclass
class Slow:
    """One slow client: its socket, what it still has to send, when the server cut it."""

    kind: str
    sock: socket.socket
    rest: Iterator[int]
    opened: float
    cut: float | None = None
    answer: bytes = b""


@dataclass
class Trickle:
    """Many slow clients, each sending one byte every ``interval`` seconds from a thread.

    ``cut_after()`` gives how long each lasted before the server closed it (None: still open).
    """

    port: int
    interval: float = 1.0
    clients: list[Slow] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def open(self, kind: str, count: int, session: Session | None = None) -> None:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
            first, rest = _request(kind, session)
            sock.sendall(first)
            sock.setblocking(False)
            self.clients.append(Slow(kind, sock, iter(rest), time.monotonic()))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _closed(self, slow: Slow) -> bool:
        try:
            while True:
                data = slow.sock.recv(65536)  # an error page, then EOF; or nothing yet
                if not data:
                    return True
                slow.answer += data[: 64 - len(slow.answer)]
        except BlockingIOError:
            return False
        except OSError:
            return True

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for slow in self.clients:
                if slow.cut is not None:
                    continue
                if self._closed(slow):
                    slow.cut = time.monotonic() - slow.opened
                    continue
                byte = next(slow.rest, None)
                try:
                    if byte is not None:
                        slow.sock.send(bytes([byte]))
                except OSError:
                    slow.cut = time.monotonic() - slow.opened

    def alive(self) -> int:
        return sum(1 for s in self.clients if s.cut is None)

    def statuses(self, kind: str) -> list[str]:
        """The status line each client of ``kind`` was answered with ("" if none)."""
        return [s.answer.split(b"\r\n")[0].decode() for s in self.clients if s.kind == kind]

    def cut_after(self) -> dict[str, list[float | None]]:
        out: dict[str, list[float | None]] = {}
        for slow in self.clients:
            out.setdefault(slow.kind, []).append(slow.cut)
        return out

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        for slow in self.clients:
            slow.sock.close()


def sessions(port: int, count: int) -> Iterator[Session]:
    """``count`` fresh sessions (one page load each), handed out in turn."""
    made = [visit(port)[1] for _ in range(count)]
    return itertools.cycle(made)
