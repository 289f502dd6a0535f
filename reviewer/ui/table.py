"""Plain-text tables that stay readable in an 80-column terminal.

Columns are as wide as their widest cell up to ``max_width``; longer cells are cut with "…".
Wide (East Asian) characters are not special-cased: Indonesian text does not need it.
"""

from __future__ import annotations

from collections.abc import Sequence


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def render(headers: Sequence[str], rows: Sequence[Sequence[object]], *, max_width: int = 32
           ) -> str:  # fmt: skip
    """The table as one string: header, a rule, then one line per row."""
    cells = [[_cut("" if c is None else str(c), max_width) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(),
             "  ".join("─" * w for w in widths)]  # fmt: skip
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
              for row in cells]  # fmt: skip
    return "\n".join(lines)


def pairs(rows: Sequence[tuple[str, object]]) -> str:
    """Label/value lines with aligned values (for ``show``)."""
    width = max((len(k) for k, _ in rows), default=0)
    return "\n".join(f"{k.ljust(width)}  {'' if v is None else v}" for k, v in rows)
