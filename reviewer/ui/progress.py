"""A small progress bar on stderr, so stdout stays clean for tables and pipes.

Redraws at most ten times a second; prints nothing when stderr is not a terminal unless
forced, so logs of automated runs do not fill with carriage returns.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from .terminal import safe


class Progress:
    """``Progress(total, label)``; call ``advance(n)`` and finally ``close()``."""

    def __init__(self, total: int, label: str, *, stream: TextIO | None = None,
                 force: bool = False, width: int = 30) -> None:  # fmt: skip
        self.total, self.label, self.width = max(total, 0), safe(label), width
        self.stream = stream or sys.stderr
        self.enabled = force or self.stream.isatty()
        self.done = 0
        self._start = time.monotonic()
        self._last = 0.0

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.enabled and (now - self._last > 0.1 or self.done >= self.total):
            self._last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        frac = min(self.done / self.total, 1.0) if self.total else 1.0
        filled = int(frac * self.width)
        rate = self.done / max(now - self._start, 1e-6)
        bar = "█" * filled + "░" * (self.width - filled)
        self.stream.write(f"\r{self.label} {bar} {self.done}/{self.total} ({rate:,.0f}/s)")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()
