"""Index entries: one canonical-JSON line per item (BUNDLE.md §2.1, MUST-reject 10).

The index is what the signed manifest hashes, so every field a reader acts on lives here,
and a line with an unknown field is rejected rather than ignored (no unsigned-looking data
can ride along in a signed file).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from crypto.encoding import canonical_json

from .errors import BundleFormatError
from .layout import EXPORT, MAX_ENVELOPE, MAX_INDEX_LINE, MAX_SMALL_ITEM, OUTBOX

# \A…\Z, not ^…$: "$" also matches before a final newline, so "case\n" would pass
CASE_ID = re.compile(r"\A[A-Za-z0-9_-]{1,64}\Z")
HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")
ENVELOPE_TYPES = frozenset({"report", "evidence", "message", "retaliation", "reply", "consent"})

# direction -> kind -> extra fields (name -> validator)
_EXTRA: dict[str, dict[str, dict[str, Any]]] = {
    EXPORT: {
        "case": {},
        "envelope": {"type": lambda v: v in ENVELOPE_TYPES, "seq": lambda v: _uint(v)},
        "status": {"seq": lambda v: _uint(v)},
        "reply": {"seq": lambda v: _uint(v)},
        "followup": {"seq": lambda v: _uint(v)},
        "track": {"seq": lambda v: _uint(v)},  # crypto/SPEC.md §16
        "link": {"seq": lambda v: _uint(v)},  # crypto/SPEC.md §15
    },
    OUTBOX: {
        "status": {},
        "track": {},
        "link": {},
        "reply": {"envelope_sha256": lambda v: isinstance(v, str) and bool(HEX64.match(v))},
        "reply_envelope": {},
    },
}
LARGE_KINDS = frozenset({"envelope", "reply_envelope"})
_COMMON = frozenset({"n", "kind", "case", "size", "sha256"})


def _uint(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < (1 << 63)


@dataclass(frozen=True)
class Entry:
    """One index line: item ``n`` of ``kind`` for ``case``, ``size`` bytes hashing to ``sha256``."""

    n: int
    kind: str
    case: str
    size: int
    sha256: str
    extra: dict[str, Any] = field(default_factory=dict)

    def to_line(self) -> bytes:
        """The canonical JSON line (with its newline) that the index stores."""
        obj = {
            "n": self.n,
            "kind": self.kind,
            "case": self.case,
            "size": self.size,
            "sha256": self.sha256,
            **self.extra,
        }
        return canonical_json(obj) + b"\n"

    @property
    def max_size(self) -> int:
        """Largest data allowed for this kind: envelopes may be huge, the rest 64 KiB."""
        return MAX_ENVELOPE if self.kind in LARGE_KINDS else MAX_SMALL_ITEM


def check(entry: Entry, direction: str) -> Entry:
    """Validate an entry built by a writer or parsed by a reader; return it unchanged."""
    spec = _EXTRA[direction].get(entry.kind)
    if spec is None:
        raise BundleFormatError(f"item {entry.n}: unknown kind {entry.kind!r} in an {direction}")
    if not (isinstance(entry.case, str) and CASE_ID.match(entry.case)):
        raise BundleFormatError(f"item {entry.n}: bad case id")
    if not (isinstance(entry.sha256, str) and HEX64.match(entry.sha256)):
        raise BundleFormatError(f"item {entry.n}: bad sha256")
    if not (_uint(entry.size) and entry.size <= entry.max_size):
        raise BundleFormatError(f"item {entry.n}: bad or oversized size")
    if set(entry.extra) != set(spec) or not all(ok(entry.extra[k]) for k, ok in spec.items()):
        raise BundleFormatError(f"item {entry.n}: wrong fields for a {entry.kind} item")
    return entry


def parse_line(line: bytes, n: int, direction: str) -> Entry:
    """Parse and validate index line number ``n`` (with its trailing newline)."""
    if len(line) > MAX_INDEX_LINE or not line.endswith(b"\n"):
        raise BundleFormatError(f"index line {n}: missing, cut short or too long")
    try:
        obj = json.loads(line[:-1].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        # RecursionError: "[[[…" nested deeper than the parser's stack (a 64 KiB line can be)
        raise BundleFormatError(f"index line {n}: not JSON") from exc
    if not isinstance(obj, dict) or not set(obj) >= _COMMON:
        raise BundleFormatError(f"index line {n}: missing fields")
    try:  # UnicodeEncodeError: a "\ud800" escape (lone surrogate) has no canonical form
        canonical = canonical_json(obj) + b"\n"
    except (ValueError, RecursionError) as exc:
        raise BundleFormatError(f"index line {n}: not canonical JSON") from exc
    if canonical != line:
        raise BundleFormatError(f"index line {n}: not canonical JSON")
    if obj["n"] != n or isinstance(obj["n"], bool):
        raise BundleFormatError(f"index line {n}: numbered {obj['n']!r} (reordered index)")
    extra = {k: v for k, v in obj.items() if k not in _COMMON}
    return check(Entry(n, obj["kind"], obj["case"], obj["size"], obj["sha256"], extra), direction)


def reload_line(line: bytes) -> Entry:
    """An entry from a line that :func:`parse_line` already accepted in this process.

    For a reader's second pass over its own private, verified copy of the index: the line's
    bytes were hashed against the signed manifest and every rule checked on the first pass,
    so only the JSON is decoded again (the canonical-form and field checks cost twice the
    decoding, for nothing). Never for bytes that did not pass :func:`parse_line`.
    """
    obj = json.loads(line)
    extra = {k: v for k, v in obj.items() if k not in _COMMON}
    return Entry(obj["n"], obj["kind"], obj["case"], obj["size"], obj["sha256"], extra)
