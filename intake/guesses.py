"""The global budget of receipt guesses: one shared count of receipts that opened no case.

Called by both receipt lookups (the pages' and the JSON API's) after a miss, so a flood of
guesses exhausts the budget for guesses only and a reporter with a valid receipt is still
answered. It spends from the app's one limiter (set up by :mod:`intake.ratelimit`); it sets
up nothing itself. Leaks: how many misses happened in the window, in the limiter's storage.
"""

from __future__ import annotations

from flask import current_app
from flask_limiter import Limiter
from limits import parse
from werkzeug.exceptions import TooManyRequests


def unknown_receipt() -> None:
    """Spend one guess of the global unknown-receipt budget; TooManyRequests (429) once it is
    spent. Called only after a lookup found no case, and after its minimum time, so a valid
    receipt never depends on this budget and a refusal takes as long as a miss."""
    lim = current_app.extensions["bisik"].config.limits
    item = parse(lim.receipt_global)
    limiter: Limiter = current_app.extensions["bisik_limiter"]
    if not limiter.limiter.hit(item, "bisik", "receipt-guesses"):
        raise TooManyRequests()
