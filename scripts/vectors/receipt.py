"""``receipt-*``: the receipt's form, its normalisation of typos and the secrets derived from it
(SPEC §5).
"""

from __future__ import annotations

from collections.abc import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from crypto import (
    receipt,
)
from crypto.errors import ReceiptError
from crypto.keys import raw_private
from scripts.vectors.common import Vector, VectorBug, det, hx, pub_hex, require


def symbols(data: bytes) -> Callable[[int], int]:
    """A ``randbelow`` stand-in drawing from fixed bytes (256 is a multiple of 32: uniform)."""
    it = iter(data)
    return lambda n: next(it) % n


def receipt_code() -> str:
    """The first seeded receipt that contains both 0 and 1 (so the aliases can be shown)."""
    for attempt in range(1000):
        code = receipt.generate(_random=symbols(det(f"receipt {attempt}", receipt.DATA_SYMBOLS)))
        if "0" in code[:-5] and "1" in code[:-5]:
            return code
    raise VectorBug("no seeded receipt with 0 and 1")


def vectors() -> dict[str, Vector]:
    """Receipts that derive (with every derived secret) and receipts that must be refused."""
    vs: dict[str, Vector] = {}
    code = receipt_code()
    canon = code.replace("-", "")
    secrets_ = receipt.derive(code)
    pepper = det("pepper", 32)
    master = PBKDF2HMAC(hashes.SHA256(), 32, b"bisik/v1 receipt", receipt.PBKDF2_ITERATIONS).derive(
        canon.encode()
    )
    ok_fields = {
        "expect": "success",
        "canonical": canon,
        "display": code,
        "pbkdf2_master": hx(master),
        "lookup_id": hx(secrets_.lookup_id),
        "reply_private": hx(raw_private(secrets_.reply_key)),
        "reply_public": pub_hex(secrets_.reply_public),
        "followup_private": hx(raw_private(secrets_.followup_key)),
        "followup_public": pub_hex(secrets_.followup_public),
        "pepper": hx(pepper),
        "lookup_tag": hx(receipt.lookup_tag(pepper, secrets_.lookup_id)),
    }

    def ok(name: str, comment: str, text: str) -> None:
        require(receipt.normalize(text) == canon, f"{name} does not normalise")
        vs[f"receipt-ok-{name}"] = {
            "comment": comment,
            "type": "receipt",
            "input": text,
            **ok_fields,
        }

    def bad(name: str, comment: str, text: str) -> None:
        try:
            receipt.normalize(text)
        except ReceiptError:
            vs[f"receipt-reject-{name}"] = {
                "comment": comment,
                "type": "receipt",
                "input": text,
                "expect": "error",
                "error": "ReceiptError",
            }
            return
        raise VectorBug(f"{name} was accepted")

    ok("display", "The code as shown to the reporter, with its derived secrets.", code)
    ok("lowercase", "Lower case is accepted.", code.lower())
    ok("no-separators", "Without hyphens.", canon)
    ok(
        "spaces",
        "Spaces instead of hyphens, extra spaces around.",
        "  " + code.replace("-", " ") + " ",
    )
    ok(
        "aliases",
        "O/o read as 0, I/i/L/l read as 1 (Crockford base32).",
        code.replace("0", "O").replace("1", "l", 1).replace("1", "I"),
    )

    i = canon.index("0")
    typo = canon[:i] + "8" + canon[i + 1 :]
    bad("typo", "One symbol mistyped (0 → 8): the check symbols catch it.", receipt.display(typo))
    j = next(k for k in range(receipt.LENGTH - 1) if canon[k] != canon[k + 1])
    swap = canon[:j] + canon[j + 1] + canon[j] + canon[j + 2 :]
    bad("transposition", "Two neighbouring symbols swapped.", receipt.display(swap))
    bad(
        "check-symbols-wrong",
        "Check symbols changed.",
        canon[:-2] + ("00" if canon[-2:] != "00" else "11"),
    )
    bad("too-short", "19 symbols.", canon[:-1])
    bad("too-long", "21 symbols.", canon + "0")
    bad("letter-u", "U is not in the alphabet (Crockford excludes it).", "U" + canon[1:])
    bad("empty", "Nothing typed.", "")
    return vs
