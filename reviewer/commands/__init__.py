"""Subcommands of ``bisik-reviewer``: one module each, with ``register(subparsers)``.

A module adds its parser, sets ``func`` to a function ``(args) -> int``, calls library code
and prints; it holds no logic worth testing on its own. Text comes from ``reviewer.i18n``.
"""

from __future__ import annotations

from ..ui.terminal import out, safe

__all__ = ["out", "safe", "short"]


def short(case_id: str) -> str:
    """The case id as shown in tables (``show`` accepts any unique prefix of 4+ characters)."""
    return case_id[:12]
