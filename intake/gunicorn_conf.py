"""Gunicorn settings for the Bisik intake (`gunicorn -c python:intake.gunicorn_conf APP`).

The one copy of these settings: ``deploy/gunicorn.conf.py`` (the systemd unit's ``-c`` file) and
``bisik-server serve`` (:mod:`intake.serve`) both take them from here.

What this file promises:
- The service listens on loopback (or a unix socket) only; anything else stops start-up. Tor is
  the only way in, so every client address gunicorn could see is 127.0.0.1 and worth nothing.
- No access log, under any command-line flag: ``logger_class`` drops access records itself.
- The error log carries no IP address (v4 or v6), no request URI, no exception message or
  traceback (only the exception type and its source line), and dates without times (a precise
  time would date a submission).
- No forwarding header is trusted (``forwarded_allow_ips`` empty), so no client can make the
  app believe it came over https. The only proxy line read is tor's PROXY protocol v1 line,
  from loopback (``proxy_allow_ips``), whose source is the onion circuit's id
  (intake.circuit), never a client's address.
- The ``Server`` header is gunicorn's plain ``gunicorn`` (no version); the app may override it.

The request-body limit is the app's (server.toml ``max_upload_bytes``): gunicorn has none, and
the app streams bodies into encryption as they arrive. Settings come from the environment the
systemd unit sets: BISIK_HOME, BISIK_LISTEN, BISIK_WORKERS, BISIK_WORKER_CONNECTIONS,
BISIK_HEAD_SECONDS, BISIK_GUNICORN_ERRORLOG (and BISIK_GUNICORN_TIMEOUT, which tests lower).

Slow clients: the gevent worker gives an idle socket no thread; a request head must be complete
within ``keepalive`` (BISIK_HEAD_SECONDS) seconds; bodies follow intake.pacing's rules.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import tomllib
from pathlib import Path
from typing import Any

from gunicorn.glogging import Logger

from crypto.errors import BisikError

from . import logs


class ListenError(BisikError):
    """The configured listen address is not loopback or a unix socket; gunicorn will not start."""

    hint = (
        "Set `listen` in server.toml (or BISIK_LISTEN) to 127.0.0.1:PORT, [::1]:PORT or unix:PATH."
    )


# --- where to listen -----------------------------------------------------------------------


def _listen_setting() -> str:
    """BISIK_LISTEN, else ``listen`` in BISIK_HOME/server.toml, else 127.0.0.1:8080 (as intake)."""
    if os.environ.get("BISIK_LISTEN"):
        return os.environ["BISIK_LISTEN"]
    home = os.environ.get("BISIK_HOME", "")
    toml = Path(home) / "server.toml" if home else None
    if toml is not None and toml.is_file():
        value = tomllib.loads(toml.read_text("utf-8")).get("listen")
        if isinstance(value, str) and value:
            return value
    return "127.0.0.1:8080"


def _loopback_bind(listen: str) -> str:
    """Return ``listen`` if it is a unix socket or a loopback host:port; raise otherwise."""
    if listen.startswith("unix:"):
        return listen
    host, sep, port = listen.rpartition(":")
    host = host.strip("[]")
    if not sep or not port.isdigit():
        raise ListenError(f"listen address {listen!r} is not HOST:PORT or unix:PATH")
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ListenError(
            f"refusing to listen on {listen!r}: Bisik must listen on 127.0.0.1/::1 or a unix "
            "socket, behind Tor. Set `listen` in server.toml or BISIK_LISTEN."
        )
    return listen


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# --- logging without addresses --------------------------------------------------------------

SCRUBBED = "[scrubbed]"


def scrub(text: str) -> str:
    """``text`` with every IPv4 and IPv6 address (and hh:mm:ss time) blanked (intake.logs)."""
    return logs.scrub(text, SCRUBBED)


def _where(exc: BaseException) -> str:
    """``Type at file:line`` of the innermost frame: enough to find the bug, no data."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    place = f" at {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}" if tb else ""
    return f"{type(exc).__name__}{place}"


class AddressScrubber(logging.Filter):
    """Rewrites each record so no address, request URI, clock time or request data is logged.

    An exception's message and traceback may quote request data (a form value, a header), so
    only its type and innermost source line are kept.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite ``record`` in place and keep it (the filter never drops a record)."""
        if isinstance(record.msg, str) and record.msg.startswith("Error handling request"):
            record.msg, record.args = "Error handling request", ()
        message = scrub(record.getMessage())
        if record.exc_info and record.exc_info[1] is not None:
            message += f" ({_where(record.exc_info[1])})"
        record.msg, record.args = message, ()
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


class BisikLogger(Logger):
    """Gunicorn's logger with the access log removed and the error log scrubbed, dated by day."""

    datefmt = "[%Y-%m-%d]"

    def setup(self, cfg: Any) -> None:
        """Gunicorn's setup, then the scrubber on the error log (added once)."""
        super().setup(cfg)
        if not any(isinstance(f, AddressScrubber) for f in self.error_log.filters):
            self.error_log.addFilter(AddressScrubber())

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        """Never write an access record, whatever --access-logfile says."""
        return None


# --- the settings gunicorn reads (module-level names) ---------------------------------------

wsgi_app = "intake.wsgi:app"
bind = [_loopback_bind(_listen_setting())]
proc_name = "bisik-intake"

# gevent: an open socket costs a greenlet (a few KiB), never a thread, so slow or idle clients
# cannot use up the workers; ``worker_connections`` bounds the sockets a worker holds. gunicorn's
# async worker reads each request head under one gevent.Timeout of ``keepalive`` seconds (from
# the connection's start or its previous response), so ``keepalive`` is the total deadline for
# a request head: a client that trickles header bytes is cut when it passes, however it paces
# them. Bodies are paced by the app (intake.pacing: minimum progress, slots for long uploads).
# The psycopg 3 driver and redis-py cooperate with gevent; the envelope sealing of a no-JS
# upload runs between socket reads, one 64 KiB chunk at a time.
worker_class = "gevent"
workers = int(os.environ.get("BISIK_WORKERS") or max(2, min(_cores(), 8)))
worker_connections = int(os.environ.get("BISIK_WORKER_CONNECTIONS") or 1000)
threads = 1  # not used by the gevent worker
HEAD_SECONDS = int(os.environ.get("BISIK_HEAD_SECONDS") or 20)
if HEAD_SECONDS <= 0:  # gunicorn's async worker reads a head without deadline when 0
    raise ValueError("BISIK_HEAD_SECONDS must be positive")
keepalive = HEAD_SECONDS
# The worker's heartbeat runs in its own greenlet, independent of requests, so this is not a
# request deadline: a 2 GiB upload at Tor speed (an hour or more) is not cut off.
timeout = int(os.environ.get("BISIK_GUNICORN_TIMEOUT") or 120)
graceful_timeout = 60
max_requests = 0  # recycling a worker would cut long uploads in progress

# Request head limits. The body limit is the app's (it streams and counts every byte).
limit_request_line = 2048
limit_request_fields = 50
limit_request_field_size = 8190
header_map = "drop"
http_protocols = "h1"

# Trust no forwarding header from anyone. The one PROXY protocol line accepted is tor's
# (HiddenServiceExportCircuitID haproxy), from loopback only: its "address" is the onion
# circuit's id, the per-circuit budget key (intake.circuit), never a client's address.
forwarded_allow_ips = ""
proxy_allow_ips = "127.0.0.1,::1"
proxy_protocol = "v1"
secure_scheme_headers: dict[str, str] = {}

# Logs: no access log at all; error log scrubbed, warnings and worse only.
accesslog = None
disable_redirect_access_to_syslog = True
errorlog = os.environ.get("BISIK_GUNICORN_ERRORLOG") or "-"
loglevel = "warning"
capture_output = False
logger_class = BisikLogger
statsd_host = None

# Process hygiene: files private to the service user; no control socket in $HOME; heartbeat
# files in memory rather than on disk.
umask = 0o077
control_socket_disable = True
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
preload_app = False
reuse_port = False
