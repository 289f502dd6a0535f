"""Where the request budgets and used form tokens live: keyed names, coarse expiries, and a
local fallback when Redis is down.

:class:`BudgetStorage` wraps the configured ``limits`` storage (``memory://`` or
``redis://…``; the app names it ``bisik+<uri>``) and changes three things:

* **Names are keyed hashes.** Every counter name — which carries the limiter's key (a session
  id, hashed once more here), the endpoint scope and the window — is stored as
  ``b/<HMAC-SHA256(key, name)[:12] in base64url>``: 18 bytes, the same for every counter, so
  a seized Redis shows neither session ids nor which page a counter belongs to, and each
  counter costs the same small, known amount of memory (bounded growth: see intake/README.md).
* **Expiries are coarse.** A counter that should live ``expiry`` seconds expires instead at
  the next whole day, hour, 10 minutes or minute (the largest unit not longer than half the
  window) after ``now + expiry``: never earlier than asked (no extra budget at a boundary), at
  most one unit later. Its expiry therefore says "some request in this unit" (10 minutes for
  an hourly budget), never the second of a session's first request.
* **Redis down fails to local counters** (``FALLBACK_SECONDS``): an operation that raises the
  inner storage's errors is done on a per-process memory store instead, and the inner storage
  is tried again after ``FALLBACK_SECONDS``. Every budget then still holds, per worker (the
  ``memory://`` behaviour), and a used form token is still refused by the worker that saw it.
  Why fail to local rather than open or closed is written per budget in intake/README.md.

Leaks: that some counter exists and its value (how many requests of one kind one session or
everyone made in the current unit); nothing names the session or the page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from limits.storage import MemoryStorage, Storage, storage_from_string

log = logging.getLogger("bisik.intake")
SCHEME = "bisik+"
FALLBACK_SECONDS = 5.0
UNITS = (86400, 3600, 600, 60)


def coarse_expiry(expiry: float, now: float) -> int:
    """Seconds from ``now`` to the end of the unit (day, hour, 10 or 1 minute) containing
    ``now + expiry``; the unit is the largest not longer than half of ``expiry`` (at least a
    minute), so a counter outlives its window by at most half as much again."""
    unit = next((u for u in UNITS if u <= expiry / 2), UNITS[-1])
    return math.ceil(math.ceil((now + expiry) / unit) * unit - now)


def derive_key(flask_key: bytes) -> str:
    """The counter-name key (hex), derived from the Flask key under its own label."""
    return hmac.new(flask_key, b"bisik/v1 limiter-names", hashlib.sha256).hexdigest()


def hashed_name(key: bytes, name: str) -> str:
    """The stored name of counter ``name``: a keyed hash, 18 characters."""
    digest = hmac.new(key, name.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()
    return "b/" + base64.urlsafe_b64encode(digest[:12]).decode()


class BudgetStorage(Storage):
    """A ``limits`` storage over another one: hashed names, coarse expiries, local fallback.

    Built from ``bisik+memory://`` or ``bisik+redis://…`` (``limits.storage_from_string``) with
    the option ``name_key`` (hex); ``clock`` is the seam for tests.
    """

    STORAGE_SCHEME = [SCHEME + s for s in ("memory", "redis", "rediss", "redis+unix")]  # noqa: RUF012

    def __init__(
        self,
        uri: str,
        wrap_exceptions: bool = False,
        name_key: str = "",
        clock: Callable[[], float] = time.time,
        **options: Any,
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        if not name_key:
            raise ValueError("BudgetStorage needs name_key (hex)")
        self.inner = storage_from_string(uri[len(SCHEME) :], **options)
        self.local = MemoryStorage()
        self.key = bytes.fromhex(name_key)
        self.clock = clock
        self.down_until = 0.0

    @property
    def base_exceptions(self) -> tuple[type[Exception], ...]:
        """Errors of the storage behind this one (Redis connection errors)."""
        return ()  # errors of the inner storage never leave this one

    def _do(self, op: str, *args: Any) -> Any:
        if self.clock() >= self.down_until:
            try:
                result = getattr(self.inner, op)(*args)
            except self._inner_errors():
                if self.down_until == 0.0:
                    log.warning("limiter storage unreachable: budgets are per worker meanwhile")
                self.down_until = self.clock() + FALLBACK_SECONDS
            else:
                if self.down_until:
                    log.warning("limiter storage reachable again")
                    self.down_until = 0.0
                return result
        return getattr(self.local, op)(*args)

    def _inner_errors(self) -> tuple[type[BaseException], ...]:
        errors = self.inner.base_exceptions
        return errors if isinstance(errors, tuple) else (errors,)

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add ``amount`` to the counter ``key`` (expiring after ``expiry`` s); its new value."""
        seconds = coarse_expiry(expiry, self.clock())
        return int(self._do("incr", hashed_name(self.key, key), seconds, amount))

    def get(self, key: str) -> int:
        """The counter ``key``'s value (0 if absent)."""
        return int(self._do("get", hashed_name(self.key, key)))

    def get_expiry(self, key: str) -> float:
        """When the counter ``key`` expires (epoch seconds)."""
        return float(self._do("get_expiry", hashed_name(self.key, key)))

    def clear(self, key: str) -> None:
        """Remove the counter ``key``."""
        self._do("clear", hashed_name(self.key, key))

    def check(self) -> bool:
        """Whether the storage answers (False while it falls back to per-worker counters)."""
        return True  # the local fallback always answers

    def reset(self) -> int | None:
        """Remove every counter; how many were removed, when the storage can tell."""
        return None  # never wipe a shared store from here
