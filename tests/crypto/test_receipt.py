"""Receipts (crypto.receipt, SPEC §5): generation and the server's lookup tag."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import receipt
from crypto.errors import ReceiptError
from crypto.keys import raw_public


def test_receipt_generate_is_valid_and_lookup_tag_needs_a_real_pepper() -> None:
    code = receipt.generate()
    assert receipt.normalize(code) == code.replace("-", "")
    s = receipt.derive(code)
    assert receipt.lookup_tag(b"p" * 32, s.lookup_id) != receipt.lookup_tag(b"q" * 32, s.lookup_id)
    with pytest.raises(ValueError):
        receipt.lookup_tag(b"short", s.lookup_id)
    with pytest.raises(ReceiptError):
        receipt.derive(code[:-1] + ("0" if code[-1] != "0" else "1"))


@settings(max_examples=60, deadline=None)
@given(
    symbols=st.lists(st.integers(0, 31), min_size=18, max_size=18),
    lower=st.booleans(),
    sep=st.sampled_from(["-", " ", "", " - ", "\t"]),
    alias=st.booleans(),
)
def test_receipt_normalise_and_derive(
    symbols: list[int], lower: bool, sep: str, alias: bool
) -> None:
    values = iter(symbols)
    code = receipt.generate(_random=lambda _n: next(values))
    canon = code.replace("-", "")
    typed = sep.join(canon[i : i + 4] for i in range(0, 20, 4))
    if alias:
        typed = typed.replace("0", "O").replace("1", "l")
    if lower:
        typed = typed.lower()
    assert receipt.normalize(typed) == canon == receipt.normalize(canon)
    a, b = receipt.derive(typed), receipt.derive(code)
    assert a.lookup_id == b.lookup_id and len(a.lookup_id) == 32
    assert raw_public(a.reply_public) == raw_public(b.reply_public)


@settings(max_examples=40, deadline=None)
@given(
    symbols=st.lists(st.integers(0, 31), min_size=18, max_size=18),
    pos=st.integers(0, 19),
    delta=st.integers(1, 31),
)
def test_receipt_single_symbol_typo_changes_derivation_or_is_caught(
    symbols: list[int], pos: int, delta: int
) -> None:
    """A typo is caught by the check symbols (1023 in 1024), and never opens the same case."""
    values = iter(symbols)
    canon = receipt.generate(_random=lambda _n: next(values)).replace("-", "")
    typo = canon[:pos] + receipt.ALPHABET[(receipt.ALPHABET.index(canon[pos]) + delta) % 32]
    typo += canon[pos + 1 :]
    try:
        derived = receipt.derive(typo)
    except ReceiptError:
        return
    assert derived.lookup_id != receipt.derive(canon).lookup_id


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=40))
def test_receipt_bad_input_raises_only_receipt_error(text: str) -> None:
    try:
        canon = receipt.normalize(text)
    except ReceiptError:
        return
    assert len(canon) == receipt.LENGTH and receipt.normalize(canon) == canon
