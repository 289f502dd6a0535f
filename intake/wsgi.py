"""WSGI entry for gunicorn: ``intake.wsgi:app`` (config from ``$BISIK_HOME``)."""

from __future__ import annotations

from .app import create_app

app = create_app()
