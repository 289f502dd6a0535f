"""Alembic migrations of the vault schema (run by vault.db.migrate)."""
