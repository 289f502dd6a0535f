"""Running the service under gunicorn, in-process (``bisik-server serve`` and ``demo``).

Gunicorn, not Werkzeug's development server: no access log at all, errors through the
address-scrubbing filter, and a ``Server`` header without a version. The settings are
those of :mod:`intake.gunicorn_conf`, which the systemd unit uses too.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from . import gunicorn_conf


class _Gunicorn(BaseApplication):
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._app


def options(bind: str, workers: int = 1, threads: int = 4) -> dict[str, Any]:
    """Gunicorn settings for the intake service: those of :mod:`intake.gunicorn_conf`."""
    return {
        "bind": gunicorn_conf._loopback_bind(bind),
        "workers": workers,
        "threads": threads,
        "worker_class": gunicorn_conf.worker_class,
        "accesslog": None,
        "errorlog": gunicorn_conf.errorlog,
        "loglevel": gunicorn_conf.loglevel,
        "logger_class": gunicorn_conf.BisikLogger,
        "timeout": gunicorn_conf.timeout,
        "graceful_timeout": gunicorn_conf.graceful_timeout,
        "keepalive": gunicorn_conf.keepalive,
        "limit_request_line": gunicorn_conf.limit_request_line,
        "limit_request_fields": gunicorn_conf.limit_request_fields,
        "limit_request_field_size": gunicorn_conf.limit_request_field_size,
        "forwarded_allow_ips": "",
        "proxy_allow_ips": "",
        "umask": gunicorn_conf.umask,
    }


def run(app: Flask, bind: str, workers: int = 1, threads: int = 4) -> None:
    """Serve ``app`` until interrupted."""
    _Gunicorn(app, options(bind, workers, threads)).run()
