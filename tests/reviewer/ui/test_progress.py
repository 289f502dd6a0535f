"""The progress bar (``reviewer.ui.progress``) leaves nothing of an earlier, longer drawing."""

from __future__ import annotations

import io

from reviewer.ui import progress
from reviewer.ui.progress import Progress


def _screen(written: str) -> list[str]:
    """What a terminal shows after ``written``: ``\\r`` returns to column 0 and overwrites."""
    lines, cur, col = [], [], 0
    for ch in written:
        if ch == "\n":
            lines.append("".join(cur))
            cur, col = [], 0
        elif ch == "\r":
            col = 0
        else:
            if col < len(cur):
                cur[col] = ch
            else:
                cur.append(ch)
            col += 1
    return [*lines, "".join(cur)] if cur else lines


def test_a_shorter_redraw_leaves_no_junk(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Issue 9/13 finding: the bar left "(204/s)s)" on the line when the rate got shorter."""
    clock = iter([0.0, 0.001, 0.5, 100.0, 100.0, 200.0, 200.0])
    monkeypatch.setattr(progress.time, "monotonic", lambda: next(clock))
    stream = io.StringIO()
    bar = Progress(1_000_000, "impor", stream=stream, force=True, width=4)
    bar.advance(1000)  # fast: a long rate  ("1,000,000/s")
    bar.advance(10)  # 100 s later: a short one
    bar.close()
    written = stream.getvalue()
    assert written.count("\r") >= 2  # it did redraw
    [last] = _screen(written)
    assert last.rstrip() == written.split("\r")[-1].strip()  # exactly the last drawing
    assert last.rstrip().endswith("(10/s)")
