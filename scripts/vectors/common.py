"""The deterministic inputs every family draws from, and how a vector file is written.

Nothing a generator uses draws randomness or reads the clock: keys, file keys, salts, nonces
and ephemeral keys come from SHA-256 over a label (:func:`det` for crypto/vectors/,
:class:`SeamRandom` for the bundle vectors, each kept as the files were first made with), and
reach the library through its private seams. A vector is one JSON object written as one file
(:func:`render`); :func:`write_tree` replaces a directory's vector files with a fresh set.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)

from crypto import _stream as stream
from crypto.keys import raw_public

ROOT = Path(__file__).resolve().parents[2]
CHUNK = stream.CHUNK
CT_CHUNK = stream.CT_CHUNK
P25519 = 2**255 - 19

Vector = dict[str, Any]


class VectorBug(Exception):
    """A generated vector does not show what its comment claims (a bug in a generator)."""


def require(ok: bool, what: str) -> None:
    """Stop generation with :class:`VectorBug` (``what``) unless ``ok``."""
    if not ok:
        raise VectorBug(what)


# --- deterministic material -------------------------------------------------------------


def det(label: str, n: int) -> bytes:
    """``n`` bytes of SHA-256 in counter mode over ``label``: fixed, unique per label."""
    out = bytearray()
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(
            b"bisik/v1 test-vector\x00" + label.encode() + counter.to_bytes(4, "big")
        ).digest()
        counter += 1
    return bytes(out[:n])


def x_key(name: str) -> X25519PrivateKey:
    """The X25519 key named ``name`` (the same on every run)."""
    return X25519PrivateKey.from_private_bytes(det("x25519 " + name, 32))


def ed_key(name: str) -> Ed25519PrivateKey:
    """The Ed25519 key named ``name`` (the same on every run)."""
    return Ed25519PrivateKey.from_private_bytes(det("ed25519 " + name, 32))


# The three reviewers' encryption keys most crypto vectors seal to.
ALICE = x_key("alice")
BUDI = x_key("budi")
CITRA = x_key("citra")


class SeamRandom:
    """Randomness for the Sealer's seams (``_random``, ``_ephemeral``) from ``seed`` and
    ``label``: each call takes the next SHA-256 of ``seed/label/n``."""

    def __init__(self, seed: str, label: str) -> None:
        self.seed, self.label, self.n = seed, label, 0

    def bytes(self, k: int) -> bytes:
        """The next ``k`` (at most 32) bytes."""
        self.n += 1
        return hashlib.sha256(f"{self.seed}/{self.label}/{self.n}".encode()).digest()[:k]

    def x25519(self) -> X25519PrivateKey:
        """The next X25519 key (an ephemeral key for one stanza)."""
        return X25519PrivateKey.from_private_bytes(self.bytes(32))


# --- encodings ----------------------------------------------------------------------------


def hx(data: bytes) -> str:
    """Lowercase hex, the vectors' encoding of fixed-size values."""
    return data.hex()


def pub_hex(key: X25519PublicKey | Ed25519PublicKey) -> str:
    """The raw public key in hex."""
    return raw_public(key).hex()


def sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data`` in hex."""
    return hashlib.sha256(data).hexdigest()


# --- writing ----------------------------------------------------------------------------


def render(vector: Vector, *, ascii_only: bool = False) -> bytes:
    """One vector file: JSON indented by one space, newline-terminated, UTF-8 (or, with
    ``ascii_only``, every non-ASCII character escaped, as the bundle vectors are written)."""
    return (json.dumps(vector, indent=1, ensure_ascii=ascii_only) + "\n").encode()


def write_tree(out: Path, files: dict[str, bytes]) -> None:
    """Make ``out``'s ``*.json`` files exactly ``files`` (name → bytes): stale ones removed."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.json"):
        if stale.name not in files:
            stale.unlink()
    for name, data in files.items():
        (out / name).write_bytes(data)
