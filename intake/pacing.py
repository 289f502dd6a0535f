"""Deadlines on request bodies, and a bounded number of long uploads at a time.

Slow clients are the cheapest attack on a Tor service: a Tor circuit carries many streams, and
each stream that sends one byte now and then used to hold a gunicorn thread. The worker model
(gevent, see :mod:`intake.gunicorn_conf`) makes an idle socket cost a greenlet, not a thread,
and bounds the request *head* in total. This module bounds the *body*:

* **Minimum progress** (:class:`Pace`): a body is read against a byte budget that refills at
  ``min_rate`` bytes a second and holds at most ``credit`` seconds of it. The client may pause
  for up to ``credit`` seconds, or go slower than ``min_rate`` for a while after going faster,
  but no longer: "one header byte every 25 s" or "one body byte every few seconds" is cut
  after ``credit`` seconds, and so is any average below ``min_rate``. Under gevent each read
  has a *total* deadline (``gevent.Timeout``), so a client cannot stretch one read by feeding
  it byte by byte; elsewhere (the Flask test client, a threaded worker) only each ``recv`` is
  bounded, which is weaker and said so here.
* **Cut means closed**: a body that misses its deadline raises :class:`SlowBody` (an
  ``OSError``, which Werkzeug reports as a disconnect and the multipart reader as a truncated
  upload, so nothing of it is kept) and the socket's read side is shut, so the connection ends
  after its error page instead of waiting for more.
* **Upload slots** (:class:`UploadSlots`): a body longer than ``LONG_BODY`` (a file upload,
  an upload piece of the JavaScript path) needs one of ``slots`` places per worker process,
  taken without waiting; with none free the request is refused with 503 and ``Retry-After``
  before a byte of its body is read. Page loads, follow-ups and text-only submissions (all
  under ``LONG_BODY``) never need a slot, so slow or many uploads cannot take their capacity.

Leaks: nothing. No address, time or size is logged or stored; the counters live in memory.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass
from typing import Any

LONG_BODY = 640 * 1024  # above every text-only form (256 KiB of text) and urlencoded body
CUT_KEY = "bisik.pacing.cut"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class SlowBody(ConnectionError):
    """The client sent its body slower than the minimum progress rule allows; it was cut."""


def _gevent_active() -> bool:
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a server dependency
        return False
    return bool(monkey.is_module_patched("socket"))


@dataclass(frozen=True)
class Pace:
    """The minimum-progress rule: ``min_rate`` bytes a second, at most ``credit`` seconds ahead
    (and so at most ``credit`` seconds of silence)."""

    min_rate: int = 2048
    credit: float = 60.0


class Deadline:
    """When the next byte must have arrived, moved on by every byte received.

    Starts ``credit`` seconds after the body's first read; each ``n`` bytes push it
    ``n / min_rate`` seconds later, but never more than ``credit`` seconds past now.
    ``clock`` is the seam for tests.
    """

    def __init__(self, pace: Pace, clock: Callable[[], float] = time.monotonic) -> None:
        self.pace, self.clock = pace, clock
        self.due = clock() + pace.credit

    def remaining(self) -> float:
        """Seconds left before the body is too slow (≤ 0: cut it)."""
        return self.due - self.clock()

    def received(self, count: int) -> None:
        """Account ``count`` bytes just read; SlowBody if the body falls behind its pace."""
        now = self.clock()
        self.due = min(self.due + count / self.pace.min_rate, now + self.pace.credit)


class PacedInput:
    """``wsgi.input`` read against a :class:`Deadline`; :class:`SlowBody` once it passes."""

    def __init__(self, raw: Any, environ: dict[str, Any], pace: Pace) -> None:
        self._raw, self._environ = raw, environ
        self._deadline = Deadline(pace)
        self._green = _gevent_active()
        self.total = 0

    def _cut(self) -> SlowBody:
        self._environ[CUT_KEY] = True
        end_after_response(self._environ)
        return SlowBody("request body too slow")

    def _step(self, size: int) -> int:
        """How much one read may ask for: what a client at ``min_rate`` sends before the
        deadline. gunicorn's reads wait until they have every byte asked for, so a larger
        read would cut a client that keeps the pace."""
        budget = max(1, int(self._deadline.pace.min_rate * max(self._deadline.remaining(), 0)))
        return budget if size is None or size < 0 else min(size, budget)

    def _bounded(self, read: Callable[[int], bytes], size: int) -> bytes:
        if self._environ.get(CUT_KEY):
            raise SlowBody("request body already cut")
        left = self._deadline.remaining()
        if left <= 0:
            raise self._cut()
        try:
            with self._timer(left):
                data = read(self._step(size))
        except (TimeoutError, _GreenTimeout):
            raise self._cut() from None
        self._deadline.received(len(data))
        self.total += len(data)
        return data

    def _timer(self, seconds: float) -> AbstractContextManager[Any]:
        if self._green:
            import gevent

            return gevent.Timeout(seconds, _GreenTimeout)
        sock = self._environ.get("gunicorn.socket")
        if sock is not None and hasattr(sock, "settimeout"):
            sock.settimeout(max(seconds, 0.001))  # bounds each recv only (see module doc)
        return nullcontext()

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes (all that is left if negative); may return fewer."""
        if size is not None and size >= 0:
            return self._bounded(self._raw.read, size)
        parts = []
        while data := self._bounded(self._raw.read, -1):
            parts.append(data)
        return b"".join(parts)

    def readline(self, size: int | None = -1) -> bytes:
        """One line of the body, read under the same pace as :meth:`read`."""
        return self._bounded(self._raw.readline, -1 if size is None else size)

    def readlines(self, hint: int = -1) -> list[bytes]:
        """Every remaining line of the body, read under the same pace as :meth:`read`."""
        lines = []
        while line := self.readline():
            lines.append(line)
        return lines

    def __iter__(self) -> PacedInput:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line


class _GreenTimeout(Exception):
    """A paced read passed its deadline (gevent)."""


class UploadSlots:
    """At most ``size`` long bodies at once in this process; taken without waiting."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._free = threading.BoundedSemaphore(size) if size > 0 else None

    def take(self) -> bool:
        """True and one slot held, or False at once when all are taken."""
        return self._free is None or self._free.acquire(blocking=False)

    def give_back(self) -> None:
        """Release the upload slot this request holds (idempotent)."""
        if self._free is not None:
            self._free.release()


def end_after_response(environ: dict[str, Any]) -> None:
    """Read nothing more from this connection: the response still goes out, then it closes
    (gunicorn would otherwise read and discard the rest of the body, at the client's pace)."""
    sock = environ.get("gunicorn.socket")
    if sock is not None:
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RD)


def _declared(environ: dict[str, Any]) -> int:
    try:
        return int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def is_long(environ: dict[str, Any]) -> bool:
    """Whether the request announces a body that needs an upload slot."""
    return _declared(environ) > LONG_BODY


def wrap(app: WSGIApp, pace: Pace) -> WSGIApp:
    """``app`` with every request body read through :class:`PacedInput`."""

    def paced(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        raw = environ.get("wsgi.input")
        if raw is None or environ.get("REQUEST_METHOD") in ("GET", "HEAD", "OPTIONS"):
            return app(environ, start_response)
        body = environ["wsgi.input"] = PacedInput(raw, environ, pace)
        response = app(environ, start_response)
        if body.total < _declared(environ):
            # Refused before its body was read (limit, CSRF, no slot): close after the answer
            # rather than let gunicorn read and drop the rest at the client's pace.
            end_after_response(environ)
        return response

    return paced
