"""HPKE base mode, single shot, composed from pyca primitives exactly as RFC 9180 writes it.

Suite: DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM (ids 0x0020/0x0001/0x0002).
Why our own composition instead of ``cryptography.hazmat.primitives.hpke``: that API draws the
ephemeral key itself, so envelopes could not be reproduced byte for byte from the test vectors,
and the browser code (which must compose the same steps from WebCrypto) could not be checked
against them. tests/crypto/test_hpke.py checks this module against RFC 9180 vector A.1 and
against pyca's HPKE in both directions, so the composition is held to two references.
"""

from __future__ import annotations

import struct
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

KEM_ID = 0x0020
KDF_ID = 0x0001
AEAD_AES_128_GCM = 0x0001
AEAD_AES_256_GCM = 0x0002
N_ENC = 32
N_SECRET = 32
N_NONCE = 12
_MODE_BASE = b"\x00"


class HpkeError(Exception):
    """Opening failed: bad point, bad tag. Callers map it to their one decryption error."""


def _extract(salt: bytes, ikm: bytes) -> bytes:
    h = hmac.HMAC(salt or b"\x00" * 32, hashes.SHA256())
    h.update(ikm)
    return h.finalize()


def _expand(prk: bytes, info: bytes, length: int) -> bytes:
    return HKDFExpand(hashes.SHA256(), length, info).derive(prk)


def _labeled_extract(suite: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
    return _extract(salt, b"HPKE-v1" + suite + label + ikm)


def _labeled_expand(suite: bytes, prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    return _expand(prk, struct.pack(">H", length) + b"HPKE-v1" + suite + label + info, length)


def _raw(pk: X25519PublicKey) -> bytes:
    return pk.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _kem_shared_secret(dh: bytes, enc: bytes, pk_r: bytes) -> bytes:
    suite = b"KEM" + struct.pack(">H", KEM_ID)
    prk = _labeled_extract(suite, b"", b"eae_prk", dh)
    return _labeled_expand(suite, prk, b"shared_secret", enc + pk_r, N_SECRET)


@lru_cache(maxsize=16)
def _context(suite: bytes, info: bytes) -> bytes:
    # a function of public constants only (the suite and the info string): computed once per
    # info, not once per envelope; nothing secret is cached
    psk_id_hash = _labeled_extract(suite, b"", b"psk_id_hash", b"")
    info_hash = _labeled_extract(suite, b"", b"info_hash", info)
    return _MODE_BASE + psk_id_hash + info_hash


def _key_schedule(shared: bytes, info: bytes, aead_id: int) -> tuple[bytes, bytes]:
    suite = b"HPKE" + struct.pack(">HHH", KEM_ID, KDF_ID, aead_id)
    n_k = 32 if aead_id == AEAD_AES_256_GCM else 16
    context = _context(suite, info)
    secret = _labeled_extract(suite, shared, b"secret", b"")
    key = _labeled_expand(suite, secret, b"key", context, n_k)
    base_nonce = _labeled_expand(suite, secret, b"base_nonce", context, N_NONCE)
    return key, base_nonce


def _dh(sk: X25519PrivateKey, pk: X25519PublicKey) -> bytes:
    try:
        return sk.exchange(pk)  # pyca rejects the all-zero output of a low-order point
    except ValueError as exc:
        raise HpkeError("low-order point") from exc


def seal(
    pk_r: X25519PublicKey,
    info: bytes,
    aad: bytes,
    plaintext: bytes,
    *,
    ephemeral: X25519PrivateKey | None = None,
    aead_id: int = AEAD_AES_256_GCM,
) -> tuple[bytes, bytes]:
    """Return ``(enc, ciphertext)``. ``ephemeral`` is the determinism seam for test vectors."""
    sk_e = ephemeral if ephemeral is not None else X25519PrivateKey.generate()
    enc = _raw(sk_e.public_key())
    shared = _kem_shared_secret(_dh(sk_e, pk_r), enc, _raw(pk_r))
    key, nonce = _key_schedule(shared, info, aead_id)
    cipher = AESGCM(key)
    return enc, cipher.encrypt(nonce, plaintext, aad)


def open_(
    sk_r: X25519PrivateKey,
    enc: bytes,
    info: bytes,
    aad: bytes,
    ciphertext: bytes,
    *,
    aead_id: int = AEAD_AES_256_GCM,
    pk_r: bytes | None = None,
) -> bytes:
    """Open a single-shot HPKE ciphertext; raise HpkeError on any failure.

    ``pk_r`` is ``sk_r``'s raw public key when the caller already has it (deriving it is a
    scalar multiplication, as dear as the DH itself); it MUST be that key's.
    """
    if len(enc) != N_ENC:
        raise HpkeError("bad encapsulated key length")
    pk_e = X25519PublicKey.from_public_bytes(enc)
    own = pk_r if pk_r is not None else _raw(sk_r.public_key())
    shared = _kem_shared_secret(_dh(sk_r, pk_e), enc, own)
    key, nonce = _key_schedule(shared, info, aead_id)
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, aad)
    except InvalidTag as exc:
        raise HpkeError("bad tag") from exc
