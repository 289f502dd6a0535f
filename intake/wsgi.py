"""WSGI entry for gunicorn: ``intake.wsgi:app`` (config from ``$BISIK_HOME``)."""

from __future__ import annotations

from .app import create_app
from .config import load
from .logs import configure

_config = load()
configure(_config.log_file)
app = create_app(_config)
