"""Receipts as a person types them (crypto/SPEC.md §5.2). Documented refusal: ReceiptError."""

from __future__ import annotations

from crypto import receipt
from crypto.errors import ReceiptError
from fuzz.common import refusing


def check(data: bytes) -> None:
    text = data.decode("utf-8", "surrogateescape")  # any str, lone surrogates included
    with refusing(ReceiptError):
        canon = receipt.normalize(text)
        assert receipt.normalize(receipt.display(canon)) == canon


def seeds() -> list[bytes]:
    code = receipt.generate(lambda n: 7 % n)
    return [code.encode(), code.lower().replace("-", " ").encode(), b"O0Il-" * 4]
