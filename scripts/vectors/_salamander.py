"""A GCM ciphertext valid under two keys ("invisible salamanders"): the payload chunk of
``envelope-reject-key-commitment-other-file-key``, which a reader rejects only by checking the
key commitment (SPEC §3).
"""

from __future__ import annotations

import struct

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto import _header as header
from crypto import _stream as stream
from crypto._padding import PAD_MARKER
from crypto.envelope import PAYLOAD_LABEL
from scripts.vectors._envelopes import pad
from scripts.vectors.common import VectorBug, det, require


def _gf_mul(x: int, y: int) -> int:
    """Multiply in GCM's GF(2^128) (NIST SP 800-38D §6.3, bit-reflected)."""
    r = 0xE1 << 120
    z = 0
    for i in range(127, -1, -1):
        if (y >> i) & 1:
            z ^= x
        x = (x >> 1) ^ r if x & 1 else x >> 1
    return z


def _gf_pow(x: int, e: int) -> int:
    result = 1 << 127  # the field's 1 in GCM bit order
    while e:
        if e & 1:
            result = _gf_mul(result, x)
        x = _gf_mul(x, x)
        e >>= 1
    return result


def _aes_block(key: bytes, block: bytes) -> int:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305
    return int.from_bytes(enc.update(block) + enc.finalize(), "big")


def _ghash(h: int, ct: bytes) -> int:
    blocks = [ct[i : i + 16] for i in range(0, len(ct), 16)]
    blocks.append(struct.pack(">QQ", 0, len(ct) * 8))
    x = 0
    for b in blocks:
        x = _gf_mul(x ^ int.from_bytes(b, "big"), h)
    return x


def two_key_chunk(salt: bytes) -> tuple[bytes, bytes, bytes, bytes]:
    """File keys K1, K2 and one final 1024-byte chunk whose tag verifies under both payload
    keys, with both plaintexts canonically padded (1023 data bytes, then 0x80).

    C = P1 xor KS1 except its first block x, chosen so GHASH_H1(C) + E1(J0) = GHASH_H2(C) +
    E2(J0); GHASH is linear in x, so x = rest / (H1^66 + H2^66). K2 is searched until the two
    keystreams agree on the last byte, so the marker 0x80 survives under both keys.
    """
    nonce = stream._nonce(0, True)
    k1 = det("commit k1", 32)
    pk1 = header.derive(k1, salt, PAYLOAD_LABEL)
    ks1 = AESGCM(pk1).encrypt(nonce, bytes(1024), None)[:1024]
    for attempt in range(10_000):
        k2 = det(f"commit k2 {attempt}", 32)
        pk2 = header.derive(k2, salt, PAYLOAD_LABEL)
        ks2 = AESGCM(pk2).encrypt(nonce, bytes(1024), None)[:1024]
        if ks1[-1] == ks2[-1]:
            break
    else:
        raise VectorBug("no K2 found")
    plain1 = bytearray(pad(det("commit data", 1023)))
    ct = bytearray(p ^ k for p, k in zip(plain1, ks1, strict=True))
    h1, h2 = _aes_block(pk1, bytes(16)), _aes_block(pk2, bytes(16))
    j1, j2 = _aes_block(pk1, nonce + b"\0\0\0\1"), _aes_block(pk2, nonce + b"\0\0\0\1")
    ct[:16] = bytes(16)
    rest = _ghash(h1, bytes(ct)) ^ _ghash(h2, bytes(ct)) ^ j1 ^ j2
    power = len(ct) // 16 + 1  # the first block is multiplied by H^(blocks + 1)
    x = _gf_mul(rest, _gf_pow(_gf_pow(h1, power) ^ _gf_pow(h2, power), (1 << 128) - 2))
    ct[:16] = x.to_bytes(16, "big")
    tag = (_ghash(h1, bytes(ct)) ^ j1).to_bytes(16, "big")
    chunk = bytes(ct) + tag
    p1 = AESGCM(pk1).decrypt(nonce, chunk, None)
    p2 = AESGCM(pk2).decrypt(nonce, chunk, None)  # raises if the construction is wrong
    require(p1 != p2 and p1[-1] == p2[-1] == PAD_MARKER, "two-key chunk is not canonical")
    return k1, k2, chunk, p1[:-1]
