"""Key material: X25519 keys that receive envelopes, Ed25519 keys that sign, and their names.

A *key id* is the first 16 bytes of a domain-separated SHA-256 of the raw public key; it
names a recipient inside an envelope header and a signer inside a signed object. A
*fingerprint* is what two people compare aloud: 40 decimal digits in 8 groups of 5, bound to
both of a reviewer's public keys.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from .encoding import b64u_decode, b64u_encode
from .errors import FormatError

KEY_ID_LEN = 16
# Any fixed scalar works: X25519 clamps it to a multiple of 8, which sends every low-order
# point to zero. It is public and never used to protect anything.
_PROBE = X25519PrivateKey.from_private_bytes(bytes(range(32)))


def raw_public(key: X25519PublicKey | Ed25519PublicKey) -> bytes:
    """The 32 raw public-key bytes."""
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def raw_private(key: X25519PrivateKey | Ed25519PrivateKey) -> bytes:
    """The 32 raw private-key bytes. Handle with care: never log, never store unencrypted."""
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def key_id(public: X25519PublicKey | Ed25519PublicKey) -> bytes:
    """16-byte identifier of a public key, separated by key type (SPEC §2.2)."""
    label = b"x25519" if isinstance(public, X25519PublicKey) else b"ed25519"
    return hashlib.sha256(b"bisik/v1 key-id\x00" + label + b"\x00" + raw_public(public)).digest()[
        :KEY_ID_LEN
    ]


def load_x25519_public(data: bytes | str) -> X25519PublicKey:
    """Load a raw (or base64url) X25519 public key; raise FormatError if malformed."""
    raw = b64u_decode(data, length=32) if isinstance(data, str) else data
    if len(raw) != 32:
        raise FormatError("an X25519 public key is 32 bytes")
    key = X25519PublicKey.from_public_bytes(raw)
    try:  # a low-order point gives an all-zero shared secret with every key (RFC 7748 §6.1)
        _PROBE.exchange(key)
    except ValueError as exc:
        raise FormatError("X25519 public key is a low-order point") from exc
    return key


def load_ed25519_public(data: bytes | str) -> Ed25519PublicKey:
    """Load a raw (or base64url) Ed25519 public key; raise FormatError if malformed."""
    raw = b64u_decode(data, length=32) if isinstance(data, str) else data
    if len(raw) != 32:
        raise FormatError("an Ed25519 public key is 32 bytes")
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise FormatError("invalid Ed25519 public key") from exc


def fingerprint(*publics: X25519PublicKey | Ed25519PublicKey) -> str:
    """40 digits in 8 groups of 5 over the given public keys, e.g. ``'04213 88120 …'``.

    Each group is 5 bytes of SHA-512 taken modulo 10^5 (≈ 16.6 bits), 133 bits in all:
    the Signal safety-number shape, easy to read aloud in Indonesian or English.
    """
    h = hashlib.sha512(b"bisik/v1 fingerprint\x00")
    for pub in publics:
        h.update(raw_public(pub))
    digest = h.digest()
    groups = [int.from_bytes(digest[i * 5 : i * 5 + 5], "big") % 100_000 for i in range(8)]
    return " ".join(f"{g:05d}" for g in groups)


@dataclass(frozen=True)
class PublicKeys:
    """A reviewer's two public keys: X25519 to receive envelopes, Ed25519 to sign records."""

    encryption: X25519PublicKey
    signing: Ed25519PublicKey

    @property
    def fingerprint(self) -> str:
        """The reviewer's fingerprint over both keys (SPEC §2.3), the digits compared aloud."""
        return fingerprint(self.encryption, self.signing)

    def to_json(self) -> dict[str, str]:
        """Both public keys as unpadded base64url (``x25519``, ``ed25519``), as directories list."""
        return {
            "x25519": b64u_encode(raw_public(self.encryption)),
            "ed25519": b64u_encode(raw_public(self.signing)),
        }

    @classmethod
    def from_json(cls, obj: dict[str, str]) -> PublicKeys:
        """Read :meth:`to_json`'s form; FormatError if a key is missing or malformed."""
        try:
            return cls(load_x25519_public(obj["x25519"]), load_ed25519_public(obj["ed25519"]))
        except (KeyError, TypeError) as exc:
            raise FormatError("public keys need 'x25519' and 'ed25519'") from exc


@dataclass(frozen=True)
class KeyPair:
    """A reviewer's (or the server's) private keys. Never serialise these unencrypted."""

    encryption: X25519PrivateKey
    signing: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> KeyPair:
        """Fresh random keys from the operating system's generator."""
        return cls(X25519PrivateKey.generate(), Ed25519PrivateKey.generate())

    @property
    def public(self) -> PublicKeys:
        """The matching public keys (safe to publish)."""
        return PublicKeys(self.encryption.public_key(), self.signing.public_key())

    def to_secret_bytes(self) -> bytes:
        """64 bytes (X25519 ‖ Ed25519 seeds) for an encrypted key store; never write in clear."""
        return raw_private(self.encryption) + raw_private(self.signing)

    @classmethod
    def from_secret_bytes(cls, data: bytes) -> KeyPair:
        """Rebuild from :meth:`to_secret_bytes`' 64 bytes; FormatError for any other length."""
        if len(data) != 64:
            raise FormatError("a key pair is 64 secret bytes")
        return cls(
            X25519PrivateKey.from_private_bytes(data[:32]),
            Ed25519PrivateKey.from_private_bytes(data[32:]),
        )
