"""The logging filter: addresses rewritten, access records and tracebacks dropped."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from intake import logs


def test_scrub_rewrites_ipv4_and_ipv6() -> None:
    text = logs.scrub("from 203.0.113.5:443 via 2001:db8::17 and ::1, version 3.11.7 ok")
    assert "203.0.113.5" not in text and "2001:db8::17" not in text and "::1" not in text
    assert "version 3.11.7 ok" in text  # three dots are not an address


def test_configured_handler_filters(tmp_path: Path) -> None:
    path = tmp_path / "x.log"
    handler = logs.configure(str(path))
    try:
        logging.getLogger("bisik.test").warning("client %s failed", "198.51.100.9")
        logging.getLogger("gunicorn.access").disabled = False
        logging.getLogger("gunicorn.access").warning("GET / 198.51.100.9 Mozilla")
        try:
            raise RuntimeError("secret request detail 198.51.100.9")
        except RuntimeError:
            logging.getLogger("bisik.test").exception("boom")
        handler.flush()
        text = path.read_text()
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    assert "198.51.100.9" not in text and "Mozilla" not in text
    assert "secret request detail" not in text and "RuntimeError" in text
    assert "client [addr] failed" in text


def test_log_file_mtime_is_only_the_day(tmp_path: Path) -> None:
    """Audit F10 (docs/AUDIT-intake.md): the log file's mtime dated the last logged event (e.g.
    a refused submission)."""
    path = tmp_path / "bisik.log"
    handler = logs.configure(str(path))
    try:
        logging.getLogger("bisik.intake").info("submission refused: %s", "error.malformed")
        handler.flush()
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    assert path.read_text()
    day = dt.datetime.now(dt.UTC).date()
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()
    assert path.stat().st_mtime == midnight
