"""Subcommands of ``bisik-reviewer``: one module each, with ``register(subparsers)``.

A module adds its parser, sets ``func`` to a function ``(args) -> int``, calls library code
and prints; it holds no logic worth testing on its own. Text comes from ``reviewer.i18n``.
"""

from __future__ import annotations

import sys

# Reporters write most of what these commands print (form fields, file names, messages). A
# terminal obeys control sequences in that text: ESC [ … can move the cursor and overwrite
# earlier lines (an "evidence altered" warning, a fingerprint), ESC ] 52 can set the
# clipboard, bidi overrides can make "gpj.exe" read as "exe.jpg". Every C0 control but tab
# and newline, DEL, every C1 control and the bidi embedding/override/isolate marks are shown
# as U+FFFD instead.
_UNSAFE = {c: "\ufffd" for c in [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0),
                                 *range(0x202A, 0x202F), *range(0x2066, 0x206A)]}  # fmt: skip


def safe(text: str) -> str:
    """``text`` with terminal control characters and bidi overrides replaced by U+FFFD."""
    return text.translate(_UNSAFE)


def out(text: str = "") -> None:
    """Print to stdout (tables, results); progress and errors go to stderr.

    The text is passed through :func:`safe`: nothing a reporter wrote can drive the terminal.
    """
    sys.stdout.write(safe(text) + "\n")


def short(case_id: str) -> str:
    """The case id as shown in tables (``show`` accepts any unique prefix of 4+ characters)."""
    return case_id[:12]
