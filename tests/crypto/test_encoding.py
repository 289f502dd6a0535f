"""Byte encodings (crypto.encoding): canonical base64url, bounded JSON objects."""

from __future__ import annotations

import pytest

from crypto import document, signed
from crypto.encoding import b64u_decode, b64u_encode
from crypto.errors import FormatError


def test_base64url_is_canonical() -> None:
    assert b64u_decode(b64u_encode(b"\xff\xfe")) == b"\xff\xfe"
    for bad in ("__8=", "__9", "a", "ab$c"):  # padding, non-canonical trailing bits, junk
        with pytest.raises(FormatError):
            b64u_decode(bad)


def test_regression_deeply_nested_json_is_a_format_error() -> None:
    """Bug: 100 000 nested brackets escaped as RecursionError, a traceback from deep inside."""
    nested = b"[" * 100_000 + b"]" * 100_000
    for parse in (signed.parse, document.parse):
        with pytest.raises(FormatError):
            parse(nested)
