"""Receipts (crypto.receipt, SPEC §5): generation and the server's lookup tag."""

from __future__ import annotations

import pytest

from crypto import receipt
from crypto.errors import ReceiptError


def test_receipt_generate_is_valid_and_lookup_tag_needs_a_real_pepper() -> None:
    code = receipt.generate()
    assert receipt.normalize(code) == code.replace("-", "")
    s = receipt.derive(code)
    assert receipt.lookup_tag(b"p" * 32, s.lookup_id) != receipt.lookup_tag(b"q" * 32, s.lookup_id)
    with pytest.raises(ValueError):
        receipt.lookup_tag(b"short", s.lookup_id)
    with pytest.raises(ReceiptError):
        receipt.derive(code[:-1] + ("0" if code[-1] != "0" else "1"))
