"""WSGI entry for gunicorn: ``intake.wsgi:app`` (config from ``$BISIK_HOME``)."""

from __future__ import annotations

import tempfile

from .app import create_app
from .config import load

_config = load()
tempfile.tempdir = str(_config.tmp_dir)  # any library temp file lands in BISIK_HOME/tmp
app = create_app(_config)
