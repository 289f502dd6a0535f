"""Slow connections cannot stop the service (issue 8: "eight connections sending one header
byte every 25 s stopped the demo").

Through the real gunicorn with ``intake.gunicorn_conf`` (gevent worker, one worker process):
hundreds of clients trickle a request head, a no-JS report body with a session cookie, a
cookie-less urlencoded POST, or a long upload, one byte a second. Meanwhile a normal reporter
loads the submit page and sends a text-only report, several times, each within a bounded time;
and every slow client is cut within the deadlines (shortened here so the test takes seconds).
The same run with the old threaded worker is what ``bench/slow_clients.py`` measures.

The promise: docs/THREAT_MODEL.md P8 (slow connections hold no thread) and intake/README.md,
"Slow clients and budgets".
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import IntakeNode, clean_env
from tests.slowclients import BOUNDARY, Trickle, multipart, sessions, submit_text, visit

from ..helpers import report_fields

DEADLINE = 6  # head deadline and body credit, seconds (short, so the test takes seconds)
SLOTS = 4


@pytest.fixture
def server(home: Path) -> Iterator[tuple[int, Path]]:
    deadlines = {
        "BISIK_HEAD_SECONDS": str(DEADLINE),
        "BISIK_READ_IDLE_SECONDS": str(DEADLINE),
        "BISIK_BODY_MIN_RATE": "1024",
        "BISIK_UPLOAD_SLOTS": str(SLOTS),
    }
    with IntakeNode("slow", home, clean_env() | deadlines) as node:
        yield node.port, node.logs / "gunicorn.log"


def _reporter(port: int) -> float:
    """A normal reporter's visit and text-only no-JS report; seconds taken."""
    started = time.monotonic()
    status, session, _ = visit(port, timeout=10)
    assert status == 200
    status, page = submit_text(port, report_fields(session.token), session, timeout=10)
    assert status == 200 and 'id="receipt"' in page
    return time.monotonic() - started


@pytest.mark.slow
def test_slow_connections_do_not_stop_reporters(server: tuple[int, Path]) -> None:
    port, errors = server
    trickle = Trickle(port, interval=1.0)
    try:
        cookies = sessions(port, 4)
        trickle.open("head", 200)
        trickle.open("body-nocookie", 100)
        for _ in range(100):
            trickle.open("body", 1, next(cookies))
        uploaders = sessions(port, 3 * SLOTS)  # per-session budgets are not what stops them
        for _ in range(3 * SLOTS):
            trickle.open("upload", 1, next(uploaders))
        trickle.start()
        time.sleep(1)
        holding = trickle.alive()
        taken = [_reporter(port) for _ in range(3)]
        assert holding > 250, holding  # the attack was in place while the reporter came
        assert max(taken) < 5, taken  # served at once (the old workers never answered)
        time.sleep(DEADLINE + 4)
        cut = trickle.cut_after()
        refused = trickle.statuses("upload").count("HTTP/1.1 503 SERVICE UNAVAILABLE")
    finally:
        trickle.close()
    for kind, lasted in cut.items():
        assert None not in lasted, f"{kind}: a slow client is still connected"
        assert max(t for t in lasted if t is not None) < DEADLINE + 4, kind
    # uploads beyond the slots were refused at once, before their bodies were read
    uploads = sorted(t for t in cut["upload"] if t is not None)
    assert refused == 2 * SLOTS and uploads[refused - 1] < DEADLINE - 1, uploads
    assert "Traceback" not in errors.read_text()
    assert _reporter(port) < 5  # and after the attack


@pytest.mark.slow
def test_a_slow_but_steady_upload_is_not_cut(server: tuple[int, Path]) -> None:
    """Bodies above the minimum rate pass, however long they take in total: a 64 KiB text
    report sent at ~4 KiB/s (4x the floor) over 16 s, longer than twice the credit."""
    port, _ = server
    _, session, _ = visit(port)
    body = report_fields(session.token, description="x" * 60_000)
    data = multipart(body)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(
            b"POST /submit HTTP/1.1\r\nHost: x\r\n"
            + f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n".encode()
            + f"Cookie: {session.cookie}\r\nContent-Length: {len(data)}\r\n".encode()
            + b"Connection: close\r\n\r\n"
        )
        started = time.monotonic()
        for offset in range(0, len(data), 1024):
            sock.sendall(data[offset : offset + 1024])
            time.sleep(0.25)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert time.monotonic() - started > 2 * DEADLINE
    assert reply.startswith(b"HTTP/1.1 200") and b'id="receipt"' in reply
