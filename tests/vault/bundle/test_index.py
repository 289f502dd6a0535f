"""Index lines (vault.bundle.index): hostile lines are BundleFormatErrors, nothing else.

A laptop must survive a hostile export (a compromised server signs whatever it likes), so
every rejection is a BundleError — never a RecursionError, UnicodeEncodeError or ValueError
escaping from deep inside. Tests assert exception types only.
"""

from __future__ import annotations

import json

import pytest

from vault.bundle import BundleFormatError
from vault.bundle.index import Entry, check, parse_line
from vault.bundle.layout import EXPORT, OUTBOX

HEX = "cd" * 32


def test_case_id_with_trailing_newline_is_rejected() -> None:
    """Audit regression (docs/AUDIT-reviewer.md).

    Bug: ``^…$`` + ``re.match`` let "case\\n" (and a hash with a final newline) pass."""
    check(Entry(0, "case", "case-1", 1, HEX), EXPORT)  # the good one passes
    with pytest.raises(BundleFormatError):
        check(Entry(0, "case", "case-1\n", 1, HEX), EXPORT)
    with pytest.raises(BundleFormatError):
        check(Entry(0, "status", "case-1", 1, HEX + "\n"), OUTBOX)
    with pytest.raises(BundleFormatError):
        check(Entry(0, "reply", "case-1", 1, HEX, {"envelope_sha256": HEX + "\n"}), OUTBOX)
    line = Entry(0, "case", "case-1\n", 1, HEX).to_line()
    with pytest.raises(BundleFormatError):
        parse_line(line, 0, EXPORT)


def test_deeply_nested_index_line_is_a_format_error() -> None:
    """Audit regression (docs/AUDIT-reviewer.md).

    Bug: a 64 KiB line of "[[[…" raised RecursionError out of the reader."""
    with pytest.raises(BundleFormatError):
        parse_line(b"[" * 60_000 + b"\n", 0, EXPORT)


def test_lone_surrogate_in_index_line_is_a_format_error() -> None:
    """Audit regression (docs/AUDIT-reviewer.md).

    Bug: canonical_json() of a "\\ud800" field raised UnicodeEncodeError out of the reader."""
    obj = {"n": 0, "kind": "case", "case": "\ud800", "size": 1, "sha256": HEX}
    line = json.dumps(obj, sort_keys=True, separators=(",", ":")).encode() + b"\n"
    with pytest.raises(BundleFormatError):
        parse_line(line, 0, EXPORT)
