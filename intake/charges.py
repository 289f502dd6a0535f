"""Budgets a view spends only on some requests, by name.

The factory owns every limit (:mod:`intake.ratelimit` registers the spenders here); a view
that does costly work only sometimes — a piece that opens its upload — calls
:func:`charge` without importing the limiter. A name nobody registered is a wiring error
(KeyError), never a free pass.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

OPEN_UPLOAD = "open_upload"  # opening an upload, explicitly or by its first piece
_KEY = "bisik_charges"


def register(app: Flask, name: str, spend: Callable[[], None]) -> None:
    """Make ``charge(name)`` call ``spend`` (which aborts with 429 once a limit is reached)."""
    app.extensions.setdefault(_KEY, {})[name] = spend


def charge(name: str) -> None:
    """Spend one unit of the budget registered as ``name`` for the running app; aborts with
    429 when it is used up. KeyError if the factory registered no such budget."""
    spenders: dict[str, Callable[[], None]] = current_app.extensions[_KEY]
    spenders[name]()
