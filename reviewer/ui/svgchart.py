"""A small writer of horizontal bar charts as standalone SVG files (no scripts, no external
references). Suppressed cells get a fixed stub and their label ("<5"), never a bar whose
length would give the hidden count away."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

ROW, LABEL_W, BAR_W, PAD = 22, 380, 320, 8
MAX_LABEL = 56


@dataclass(frozen=True)
class Bar:
    """One row: its label, the count to draw (None if suppressed) and the text shown."""

    label: str
    value: int | None
    shown: str


def bar_chart(title: str, bars: Sequence[Bar]) -> str:
    """The SVG document text."""
    top = 30
    height = top + ROW * len(bars) + PAD
    width = LABEL_W + BAR_W + 80
    peak = max([b.value for b in bars if b.value is not None] + [1])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<text x="{PAD}" y="18" font-weight="bold">{escape(title)}</text>',
    ]
    for i, bar in enumerate(bars):
        y = top + i * ROW
        parts.append(
            f'<text x="{LABEL_W - PAD}" y="{y + 14}" text-anchor="end">'
            f"{escape(_cut(bar.label))}</text>"
        )
        if bar.value is None:
            parts.append(
                f'<rect x="{LABEL_W}" y="{y + 3}" width="12" height="14" fill="none" '
                f'stroke="#888" stroke-dasharray="2,2"/>'
            )
            length = 12
        else:
            length = round(BAR_W * bar.value / peak)
            parts.append(
                f'<rect x="{LABEL_W}" y="{y + 3}" width="{length}" height="14" fill="#2b6cb0"/>'
            )
        parts.append(f'<text x="{LABEL_W + length + 6}" y="{y + 14}">{escape(bar.shown)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _cut(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def attr(value: str) -> str:
    """An XML/HTML attribute value, quoted."""
    return quoteattr(value)
