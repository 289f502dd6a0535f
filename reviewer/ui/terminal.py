"""Text written by reporters (or by a server that relays them), made safe for a terminal.

Reporters write most of what the reviewer tool prints: form fields, field names, file names,
messages, the context around a number the redaction prompt asks about. A terminal obeys
control sequences in that text: ``ESC [ …`` moves the cursor and overwrites earlier lines (an
"evidence altered" warning, a fingerprint), ``ESC ] 52`` writes the clipboard, a C1 ``CSI``
(U+009B) does what ``ESC [`` does, bidi overrides make ``gpj.exe`` read as ``exe.jpg``.

:func:`safe` is the one filter: every C0 control but tab and newline, DEL, every C1 control,
the bidi embedding/override/isolate marks and the Unicode line and paragraph separators are
shown as U+FFFD. Every way the tool writes to the terminal goes through it: ``out`` for
results, :func:`prompt` for questions, :func:`err` for ``error:``/``hint:`` lines, and the
progress bar's label. :func:`one_line` additionally folds line breaks, for text that must
stay on the line it was put on (a field name, a label, a prompt's context).
"""

from __future__ import annotations

import sys

_UNSAFE = {
    c: "\ufffd"
    for c in [
        *range(0x00, 0x09),
        *range(0x0B, 0x20),
        *range(0x7F, 0xA0),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
        0x2028,
        0x2029,
    ]
}
_ONE_LINE = {**_UNSAFE, 0x0A: "⏎", 0x09: " "}


def safe(text: str) -> str:
    """``text`` with terminal control characters and bidi overrides replaced by U+FFFD."""
    return text.translate(_UNSAFE)


def one_line(text: str) -> str:
    """:func:`safe`, and line breaks shown as ``⏎``: the text cannot start a line of its own."""
    return text.translate(_ONE_LINE)


def out(text: str = "") -> None:
    """Print one result line (or several) to stdout, through :func:`safe`."""
    sys.stdout.write(safe(text) + "\n")


def err(text: str) -> None:
    """Print one line to stderr (errors, hints, notices), through :func:`safe`."""
    sys.stderr.write(safe(text) + "\n")


def prompt(question: str) -> str:
    """Ask ``question`` (made :func:`safe`) on the terminal and return the answer typed."""
    return input(safe(question))
