"""Logging that cannot identify a reporter: no access log, and a filter that drops addresses.

The service logs only its own events (start-up, errors by type). Werkzeug's and gunicorn's
access loggers are silenced; every record passes :class:`NoAddresses`, which rewrites IPv4 and
IPv6 addresses to ``[addr]`` and drops records that carry request details anyway.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
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
