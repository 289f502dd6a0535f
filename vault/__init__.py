"""Bisik vault: what the server stores (ciphertext and opaque ids) and how it moves.

Deliberately imports nothing: the reviewer laptop imports ``vault.bundle`` without SQLAlchemy.
Database code lives in submodules (``vault.store``, ``vault.models``, ``vault.db``); see
vault/README.md for the API.
"""
