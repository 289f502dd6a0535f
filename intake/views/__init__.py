"""Blueprints of the reporter-facing pages (one module per page family)."""
