"""Single-use submission tokens for the no-JavaScript report form (audit U4).

Reloading the receipt page makes the browser send the form's POST again; without a guard
that created a second case and showed a second receipt, and the reporter might keep the
wrong one. The submit page now carries a random token in a hidden field (``FIELD``). The
server remembers *that a token was used*, under a keyed hash, until ``ttl`` seconds pass, and
a second report with the same token is refused before anything is sealed or stored.

Where the used tokens live — the rate limiter's storage, not the vault — and why:

* nothing lands on the vault's disk: a row per submission in the database (even a keyed hash
  with an expiry) would be a timestamped trace of each report for whoever seizes the server,
  which SPEC and the brief forbid outside envelopes; the limiter's storage is RAM (memory://)
  or Redis, and its entries expire by themselves;
* it is already what every worker and server shares when budgets must hold across them
  (``limiter_storage = "redis://…"``): the claim is one atomic INCR-with-expiry (a Lua script
  in Redis), so two workers, or a double click, can never both create the case;
* with ``memory://`` and several gunicorn workers the guard is per worker, like the budgets
  (audit U2): a reload that lands on another worker is not caught. One worker, or Redis.

What it stores and leaks: ``HMAC(key, token)`` → a counter, for ``ttl`` seconds. The token
never leaves the reporter's page and the form; it is not tied to the session, the receipt or
the case, so nothing links a submission to a reporter. The JavaScript path posts through
``/api`` and never sends a token.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from limits.storage import Storage

FIELD = "submission"
# How long a used token is remembered: until the end of the UTC day after the one it was
# used on (24 to 48 hours). A reload re-sends the form only while its session's CSRF token
# still matches; the session is sliding (renewed on every page), so the session length is no
# bound, and a day or more covers a reporter who keeps the tab open. Every entry expires at a
# midnight, never "used + N seconds": Redis may write its keyspace to disk (RDB/AOF) with each
# key's expiry, and an expiry counted from the moment of use would date every report to the
# second there. The memory cost is one short key per accepted report, bounded by the budgets.
DAY = 24 * 3600
_TOKEN = re.compile(r"[0-9a-f]{32}")  # 128 random bits, lowercase hex (fullmatch)


def issue() -> str:
    """A fresh random token for one rendering of the submit form."""
    return secrets.token_hex(16)


def well_formed(token: str) -> bool:
    """True if ``token`` has the form :func:`issue` gives (checked before any storage call)."""
    return bool(_TOKEN.fullmatch(token))


@dataclass(frozen=True)
class UsedTokens:
    """Keyed hashes of the tokens already used, in ``storage``, until the end of the UTC day
    after their use (``days`` = 1). ``clock`` is the seam for tests."""

    storage: Storage
    key: bytes
    days: int = 1
    clock: Callable[[], float] = time.time

    @classmethod
    def derive(cls, storage: Storage, flask_key: bytes, days: int = 1) -> UsedTokens:
        """Keyed by a label-derived key, so the stored names mean nothing without the secret."""
        key = hmac.new(flask_key, b"bisik/v1 submission-token", hashlib.sha256).digest()
        return cls(storage, key, days)

    def expiry(self) -> int:
        """Seconds from now to the UTC midnight ``days`` after today's end (so the absolute
        expiry is a midnight, whatever the moment of use; only its sub-second part varies)."""
        now = self.clock()
        return math.ceil(DAY - now % DAY) + self.days * DAY

    def _name(self, token: str) -> str:
        return "bisik-once/" + hmac.new(self.key, token.encode(), hashlib.sha256).hexdigest()

    def used(self, token: str) -> bool:
        """True if a report with this token was already accepted (a read; claims nothing)."""
        return self.storage.get(self._name(token)) > 0

    def claim(self, token: str) -> bool:
        """Atomically mark ``token`` used; True only for the first caller, in every worker
        that shares the storage."""
        return self.storage.incr(self._name(token), self.expiry()) == 1

    def release(self, token: str) -> None:
        """Forget a claim whose report was not stored after all, so the form can be sent
        again."""
        self.storage.clear(self._name(token))
