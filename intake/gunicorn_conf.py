"""Gunicorn settings for the intake service (``gunicorn -c python:intake.gunicorn_conf
intake.wsgi:app``): no access log, an error log whose records pass the address filter, and
timeouts long enough for a 2 GiB upload over Tor on a sync body read."""

from __future__ import annotations

import os
from typing import Any

from gunicorn.glogging import Logger

from .logs import NoAddresses

bind = os.environ.get("BISIK_LISTEN", "127.0.0.1:8080")
worker_class = "gthread"
workers = int(os.environ.get("BISIK_WORKERS", "2"))
threads = int(os.environ.get("BISIK_THREADS", "4"))
accesslog = None
errorlog = "-"
loglevel = "warning"
timeout = 3600  # a large upload through Tor can take most of an hour
graceful_timeout = 30
limit_request_line = 4096
limit_request_fields = 50
forwarded_allow_ips = ""
proxy_allow_ips = ""


class ScrubbedLogger(Logger):
    """Gunicorn's logger with access logging off and addresses scrubbed from error records."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.addFilter(NoAddresses())
        self.access_log.disabled = True

    def access(self, *args: Any, **kwargs: Any) -> None:
        return None


logger_class = "intake.gunicorn_conf.ScrubbedLogger"
