"""Byte encodings shared by every format: unpadded base64url and canonical JSON."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from .errors import FormatError

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def b64u_encode(data: bytes) -> str:
    """Encode as base64url without padding (RFC 4648 §5), the form the browser code uses."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(text: str, *, length: int | None = None) -> bytes:
    """Decode unpadded base64url; reject padding, stray characters and wrong lengths."""
    if not isinstance(text, str) or "=" in text:
        raise FormatError("expected unpadded base64url text")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise FormatError("invalid base64url text") from exc
    if b64u_encode(data) != text:  # non-canonical encodings are rejected, not normalised
        raise FormatError("non-canonical base64url text")
    if length is not None and len(data) != length:
        raise FormatError(f"expected {length} bytes, got {len(data)}")
    return data


def canonical_json(obj: Any) -> bytes:
    """Serialise to the one byte form every signer uses: sorted keys, no spaces, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def parse_json_object(data: bytes, *, max_size: int) -> dict[str, Any]:
    """Parse a UTF-8 JSON object of at most ``max_size`` bytes, or raise FormatError.

    Rejects text that is not valid Unicode once parsed (``\\udXXX`` escapes of unpaired
    surrogates): such a string cannot be written back as UTF-8, so accepting it would make the
    first reader that re-encodes it (a case store, a dossier) fail later, far from here.
    """
    if len(data) > max_size:
        raise FormatError(f"document larger than {max_size} bytes")
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        # RecursionError: "[[[[…" nested deeper than the parser's stack; hostile, not a crash
        raise FormatError("not a UTF-8 JSON document") from exc
    if not isinstance(obj, dict):
        raise FormatError("expected a JSON object")
    # "\\ud800" escapes decode to lone surrogates: text no UTF-8 writer can store again. Raw
    # UTF-8 cannot carry them (decode() above refuses), so only documents with such an escape
    # pay for the full check (a paired escape, e.g. an emoji, passes it).
    if _SURROGATE_ESCAPE.search(data):
        try:
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
        except (UnicodeEncodeError, RecursionError) as exc:
            raise FormatError("JSON text holds an unpaired surrogate") from exc
    return obj
