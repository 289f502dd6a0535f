"""Follow-ups proven by the receipt: the reporter's signature on every later item (SPEC §12).

The receipt derives an Ed25519 **follow-up key** (``crypto.receipt.derive``); the first report's
sealed document publishes its public half (``Document.followup_key``). Every later reporter item
— a message or a retaliation report, with its evidence — travels with a signed object of kind
``followup`` whose body binds it to its case and its content:

    {"v": 1, "case": ID, "type": "message" | "retaliation" | "consent",
     "envelope_sha256": HEX64, "evidence": [HEX64, …]}

``envelope_sha256`` is the SHA-256 of the item's envelope, ``evidence`` the content addresses of
the evidence envelopes attached to it, in order. The intake server checks the signature against
the case's key before it stores anything, and the reviewer checks it against the key in the
first report (which the server cannot change), so a server without the receipt cannot speak
for the reporter.

What it leaks: the signature shows that the holder of *this case's* receipt wrote the item — no
more than the server already knows from accepting it; the key is pseudonymous (one per receipt).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from . import signed
from .errors import FormatError, SignatureError

KIND = "followup"
TYPES = frozenset({"message", "retaliation", "consent"})  # consent: SPEC §14
MAX_EVIDENCE = 64
_FIELDS = frozenset({"v", "case", "type", "envelope_sha256", "evidence"})
_HEX64 = re.compile(r"[0-9a-f]{64}")  # with fullmatch: "$" would allow a final "\n"
_CASE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def body(case: str, type_: str, envelope_sha256: str, evidence: Sequence[str]) -> dict[str, Any]:
    """The body a follow-up signature covers; FormatError if any part is malformed."""
    out = {
        "v": 1,
        "case": case,
        "type": type_,
        "envelope_sha256": envelope_sha256,
        "evidence": list(evidence),
    }
    _check_body(out)
    return out


def sign(
    key: Ed25519PrivateKey, case: str, type_: str, envelope_sha256: str, evidence: Sequence[str]
) -> bytes:
    """The signed ``followup`` object (canonical JSON bytes) for one reporter item."""
    return signed.sign(key, KIND, body(case, type_, envelope_sha256, evidence)).to_bytes()


def _check_body(obj: dict[str, Any]) -> None:
    ev = obj.get("evidence")
    ok = set(obj) == _FIELDS and obj["v"] == 1 and not isinstance(obj["v"], bool)
    ok = ok and isinstance(obj["type"], str) and obj["type"] in TYPES
    ok = ok and isinstance(obj["case"], str) and bool(_CASE.fullmatch(obj["case"]))
    ok = ok and isinstance(obj["envelope_sha256"], str)
    ok = ok and bool(_HEX64.fullmatch(obj["envelope_sha256"]))
    ok = ok and isinstance(ev, list) and len(ev) <= MAX_EVIDENCE
    ok = ok and all(isinstance(e, str) and _HEX64.fullmatch(e) for e in ev or [])
    if not ok or len(set(ev or [])) != len(ev or []):
        raise FormatError("malformed follow-up signature body")


def verify(
    data: bytes | str,
    key: Ed25519PublicKey,
    case: str,
    type_: str,
    envelope_sha256: str,
    evidence: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Check that ``data`` is the follow-up key's signature on exactly this item; its body.

    SignatureError: not signed by ``key`` as a ``followup``, or signed for another case, type,
    envelope or (when ``evidence`` is given) another evidence list. FormatError: not a signed
    object, or a body that breaks SPEC §12.
    """
    obj = signed.parse(data).verify(key, KIND)
    _check_body(obj)
    wanted = (case, type_, envelope_sha256)
    if (obj["case"], obj["type"], obj["envelope_sha256"]) != wanted:
        raise SignatureError("the follow-up signature is for another item")
    if evidence is not None and obj["evidence"] != list(evidence):
        raise SignatureError("the follow-up signature lists other evidence")
    return obj
