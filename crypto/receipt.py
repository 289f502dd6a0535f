"""Receipt codes and what both the browser and the server derive from them (SPEC §5).

A receipt is 20 Crockford base32 symbols shown as five groups of four, e.g.
``7KQ2-M9XD-4HTR-0PZB-W3F8``: 18 random symbols (90 bits) and 2 check symbols (10 bits).
Reading it back is forgiving: case, spaces and hyphens are ignored, O→0 and I/L→1, and the
check symbols catch 1023 of 1024 typos so a mistyped code is reported as a typo instead of
being looked up.

From the canonical code: ``master = PBKDF2-HMAC-SHA256(code, "bisik/v1 receipt", 10000)``;
``lookup id = HKDF(master, "bisik/v1 lookup-id")`` (the server stores only an HMAC of it
under its own pepper); ``reply key = X25519(HKDF(master, "bisik/v1 reply-key"))``;
``follow-up key = Ed25519(HKDF(master, "bisik/v1 follow-up-key"))``, whose public half the
first report publishes and which signs every later reporter item (SPEC §12).
Every step exists in WebCrypto, so the browser derives the same values (intake/static).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from .errors import ReceiptError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DATA_SYMBOLS = 18
CHECK_SYMBOLS = 2
LENGTH = DATA_SYMBOLS + CHECK_SYMBOLS
PBKDF2_ITERATIONS = 10_000
_ALIASES = {"O": "0", "I": "1", "L": "1"}


def _check(data: str) -> str:
    bits = int.from_bytes(
        hashlib.sha256(b"bisik/v1 receipt-check\x00" + data.encode()).digest()[:2]
    )
    bits >>= 16 - 5 * CHECK_SYMBOLS
    return ALPHABET[bits >> 5] + ALPHABET[bits & 31]


def generate(_random: Callable[[int], int] = secrets.randbelow) -> str:
    """A fresh receipt in display form (``XXXX-XXXX-XXXX-XXXX-XXXX``)."""
    data = "".join(ALPHABET[_random(32)] for _ in range(DATA_SYMBOLS))
    return display(data + _check(data))


def display(code: str) -> str:
    """Group a canonical code in fours for reading aloud and writing down."""
    return "-".join(code[i : i + 4] for i in range(0, LENGTH, 4))


def symbols(text: str) -> str:
    """What a person typed as canonical symbols (upper case, aliases folded, separators
    dropped), without checking length or check symbols: for comparing part of a receipt."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t\r\n.")
    return "".join(_ALIASES.get(ch, ch) for ch in cleaned)


def normalize(text: str) -> str:
    """Canonical 20-symbol form of what a person typed; ReceiptError if it cannot be one."""
    cleaned = symbols(text)
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        raise ReceiptError("a receipt has 20 letters and digits")
    if not hmac.compare_digest(_check(cleaned[:DATA_SYMBOLS]), cleaned[DATA_SYMBOLS:]):
        raise ReceiptError("the receipt's check symbols do not match: probably a typo")
    return cleaned


@dataclass(frozen=True)
class ReceiptSecrets:
    """What a receipt opens. Hold only in memory, only while serving the reporter."""

    lookup_id: bytes
    reply_key: X25519PrivateKey
    followup_key: Ed25519PrivateKey  # signs follow-ups (SPEC §12)

    @property
    def reply_public(self) -> X25519PublicKey:
        """The reply key's public half: what the server stores and replies are sealed to."""
        return self.reply_key.public_key()

    @property
    def followup_public(self) -> Ed25519PublicKey:
        """The Ed25519 public key the report publishes: what checks later follow-ups (SPEC §12)."""
        return self.followup_key.public_key()


def derive(text: str) -> ReceiptSecrets:
    """Normalise ``text`` and derive its lookup id, reply key and follow-up signing key
    (≈ 5 ms of PBKDF2)."""
    code = normalize(text)
    master = PBKDF2HMAC(hashes.SHA256(), 32, b"bisik/v1 receipt", PBKDF2_ITERATIONS).derive(
        code.encode()
    )
    lookup = HKDF(hashes.SHA256(), 32, None, b"bisik/v1 lookup-id").derive(master)
    seed = HKDF(hashes.SHA256(), 32, None, b"bisik/v1 reply-key").derive(master)
    signing = HKDF(hashes.SHA256(), 32, None, b"bisik/v1 follow-up-key").derive(master)
    return ReceiptSecrets(
        lookup,
        X25519PrivateKey.from_private_bytes(seed),
        Ed25519PrivateKey.from_private_bytes(signing),
    )


def lookup_tag(pepper: bytes, lookup_id: bytes) -> bytes:
    """The only form of a receipt the server stores: HMAC-SHA256(pepper, lookup id)."""
    if len(pepper) < 32:
        raise ValueError("pepper must be at least 32 bytes")
    return hmac.new(pepper, b"bisik/v1 lookup-tag\x00" + lookup_id, hashlib.sha256).digest()
