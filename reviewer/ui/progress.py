"""A small progress bar on stderr, so stdout stays clean for tables and pipes.

Redraws at most ten times a second; prints nothing when stderr is not a terminal unless
forced, so logs of automated runs do not fill with carriage returns. Each redraw returns to the
start of the line and pads with spaces to the previous drawing's width: a shorter line (the
rate dropping from "(1,204/s)" to "(98/s)") leaves no tail of the longer one behind.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from .terminal import safe


class Progress:
    """``Progress(total, label)``; call ``advance(n)`` and finally ``close()``."""

    def __init__(
        self,
        total: int,
        label: str,
        *,
        stream: TextIO | None = None,
        force: bool = False,
        width: int = 30,
    ) -> None:
        self.total, self.label, self.width = max(total, 0), safe(label), width
        self.stream = stream or sys.stderr
        self.enabled = force or self.stream.isatty()
        self.done = 0
        self._start = time.monotonic()
        self._last = 0.0
        self._drawn = 0  # width of the line drawn last

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more done; redraw at most ten times a second (only on a terminal)."""
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
        line = f"{self.label} {bar} {self.done}/{self.total} ({rate:,.0f}/s)"
        self.stream.write("\r" + line.ljust(self._drawn))
        self._drawn = len(line)
        self.stream.flush()

    def close(self) -> None:
        """Draw the final state and end the line (only if drawing was enabled)."""
        if self.enabled:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()
