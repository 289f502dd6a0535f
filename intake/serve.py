"""Running the service under gunicorn, in-process (``bisik-server serve`` and ``demo``).

Gunicorn, not Werkzeug's development server: no access log at all, errors through the
address-scrubbing filter, and a ``Server`` header without a version. The same settings are
in :mod:`intake.gunicorn_conf` for a systemd unit (``gunicorn -c python:intake.gunicorn_conf
intake.wsgi:app``).
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
    """Gunicorn settings for the intake service."""
    return {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "logger_class": gunicorn_conf.logger_class,
        "timeout": gunicorn_conf.timeout,
        "limit_request_line": gunicorn_conf.limit_request_line,
        "limit_request_fields": gunicorn_conf.limit_request_fields,
        "forwarded_allow_ips": "",
        "proxy_allow_ips": "",
    }


def run(app: Flask, bind: str, workers: int = 1, threads: int = 4) -> None:
    """Serve ``app`` until interrupted."""
    _Gunicorn(app, options(bind, workers, threads)).run()
