"""Running the service under gunicorn, in-process (``bisik-server serve`` and ``demo``).

Gunicorn, not Werkzeug's development server: no access log at all, errors through the
address-scrubbing filter, and a ``Server`` header without a version. The settings are
those of :mod:`intake.gunicorn_conf`, which the systemd unit uses too: the gevent worker,
the request-head deadline, the connection bound per worker.

The app is built inside each worker (``factory``), after gevent has patched the standard
library: an app built before would hold real locks and sockets that block a whole worker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from . import gunicorn_conf

_SHARED = (
    "worker_class",
    "worker_connections",
    "keepalive",
    "timeout",
    "graceful_timeout",
    "max_requests",
    "limit_request_line",
    "limit_request_fields",
    "limit_request_field_size",
    "header_map",
    "http_protocols",
    "errorlog",
    "loglevel",
    "logger_class",
    "umask",
    "forwarded_allow_ips",
    "proxy_allow_ips",
    "proxy_protocol",
    "secure_scheme_headers",
    "control_socket_disable",
    "worker_tmp_dir",
    "preload_app",
    "capture_output",
)


class _Gunicorn(BaseApplication):
    def __init__(self, factory: Callable[[], Flask], options: dict[str, Any]) -> None:
        self._factory = factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._factory()


def options(bind: str, workers: int = 1, connections: int | None = None) -> dict[str, Any]:
    """Gunicorn settings for the intake service: those of :mod:`intake.gunicorn_conf`, with
    the bind address, worker count and (optionally) connections per worker given."""
    settings = {name: getattr(gunicorn_conf, name) for name in _SHARED}
    settings.update(bind=gunicorn_conf._loopback_bind(bind), workers=workers, accesslog=None)
    if connections:
        settings["worker_connections"] = connections
    return settings


def run(
    factory: Callable[[], Flask], bind: str, workers: int = 1, connections: int | None = None
) -> None:
    """Serve the app ``factory`` builds (once per worker) until interrupted."""
    _Gunicorn(factory, options(bind, workers, connections)).run()
