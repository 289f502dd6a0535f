"""Logging that cannot identify a reporter: no access log, and a filter that drops addresses.

The service logs only its own events (start-up, errors by type). Werkzeug's and gunicorn's
access loggers are silenced; every record passes :class:`NoAddresses`, which rewrites IPv4 and
IPv6 addresses to ``[addr]`` and drops records that carry request details anyway, then
:class:`Bounded`, which lets the same line through at most ``burst`` times a minute — so a
client that can cause a refusal or an error at will cannot grow the log without bound.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = re.compile(r"(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Fa-f:])")
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")
FORMAT = "%(levelname)s %(name)s: %(message)s"  # no timestamps: a log line must not date a report


def scrub(text: str, replacement: str = "[addr]") -> str:
    """``text`` with every IPv4/IPv6-looking address (and so hh:mm:ss times) replaced."""
    return _IPV6.sub(replacement, _IPV4.sub(replacement, text))


class NoAddresses(logging.Filter):
    """Rewrites addresses out of a record's final message; drops access-log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Drop access-log records; keep the rest, addresses scrubbed, tracebacks cut to a type."""
        if record.name in ACCESS_LOGGERS:
            return False
        record.msg = scrub(record.getMessage())
        record.args = None
        if record.exc_info:  # tracebacks may quote request data: keep only the type
            exc = record.exc_info[1]
            record.msg += f" ({type(exc).__name__})"
            record.exc_info = None
            record.exc_text = None
        return True


class Bounded(logging.Filter):
    """At most ``burst`` records with the same text per ``window`` seconds; the rest are
    counted, and the first line of the next window says how many were left out.

    Lines carry no request data (types and catalogue keys only), so the number of distinct
    texts is small; beyond ``max_keys`` of them, all further texts share one budget. Memory
    and log growth are therefore bounded whatever a client sends.
    """

    def __init__(
        self,
        burst: int = 20,
        window: float = 60.0,
        max_keys: int = 512,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.burst, self.window, self.max_keys, self.clock = burst, window, max_keys, clock
        self._seen: dict[str, tuple[float, int, int]] = {}  # text -> (start, let through, left out)
        self._lock = threading.Lock()

    def _key(self, text: str, now: float) -> str:
        if text in self._seen or len(self._seen) < self.max_keys:
            return text
        self._seen = {k: v for k, v in self._seen.items() if now - v[0] < self.window}
        return text if len(self._seen) < self.max_keys else "\0overflow"

    def filter(self, record: logging.LogRecord) -> bool:
        """Let the record through unless its text used up this window's burst; count drops."""
        text = record.getMessage()
        now = self.clock()
        with self._lock:
            key = self._key(f"{record.name}\0{record.levelno}\0{text}", now)
            start, shown, left_out = self._seen.get(key, (now, 0, 0))
            if now - start >= self.window:
                if left_out:
                    record.msg, record.args = f"{text} (and {left_out} more like it)", None
                start, shown, left_out = now, 0, 0
            if shown >= self.burst:
                self._seen[key] = (start, shown, left_out + 1)
                return False
            self._seen[key] = (start, shown + 1, left_out)
            return True


def _day_start() -> float:
    today = dt.datetime.now(dt.UTC).date()
    return dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC).timestamp()


class DayStampedFileHandler(logging.FileHandler):
    """A file handler that sets the log's mtime/atime back to 00:00 UTC after each record.

    Lines carry no time, but the file's mtime would still say to the second when the last
    line was written — often a refused submission. The inode's ctime cannot be reset (a known
    limit, as for blobs)."""

    def emit(self, record: logging.LogRecord) -> None:
        """Write the record, then date the file back to the start of the UTC day (best effort)."""
        super().emit(record)
        try:
            stamp = _day_start()
            os.utime(self.baseFilename, (stamp, stamp))
        except OSError:  # the log is best effort; never fail a request over its mtime
            pass


def configure(log_file: str = "") -> logging.Handler:
    """Install the one handler of the service (a file, or stderr) with the filter."""
    handler: logging.Handler = (
        DayStampedFileHandler(Path(log_file), encoding="utf-8")
        if log_file
        else logging.StreamHandler()
    )
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(NoAddresses())
    handler.addFilter(Bounded())
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_bisik", False):
            root.removeHandler(old)
            old.close()
    handler._bisik = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in ACCESS_LOGGERS:
        logging.getLogger(name).disabled = True
    # flask-limiter logs each breach with its key (our session id): not needed, not wanted
    logging.getLogger("flask-limiter").setLevel(logging.ERROR)
    return handler
