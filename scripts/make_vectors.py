#!/usr/bin/env python3
"""Regenerate every file of crypto/vectors/ byte for byte from fixed seeds.

    python scripts/make_vectors.py            # rewrite crypto/vectors/
    python scripts/make_vectors.py --out DIR  # write elsewhere (tests/crypto/test_vectors.py)

Nothing here draws randomness or reads the clock: keys, file keys, salts and ephemeral keys
come from SHA-256 of a label (``_det``), and are fed to the library through its private
seams (``Sealer(_random=, _ephemeral=)``, ``receipt.generate(_random=)``,
``records.status(at=, _id=)``); Ed25519 signatures are deterministic. Malformed envelopes are
built here from the same primitives, so each one breaks exactly one rule and is otherwise
valid (a version byte of 2 still carries a correct header MAC, a low-order HPKE share still
wraps a file key an attacker could compute), and a reader passes only if it checks that rule.

The file format is described in crypto/vectors/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import struct
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: E402
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import (  # noqa: E402
    X25519PrivateKey,
    X25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC  # noqa: E402

from crypto import _header as header  # noqa: E402
from crypto import (  # noqa: E402
    _hpke,
    document,
    followup,
    identity,
    keyfile,
    proof,
    receipt,
    records,
    signed,
    storeseal,
    tracking,
)
from crypto import _stream as stream  # noqa: E402
from crypto._padding import PAD_MARKER, padded_length  # noqa: E402
from crypto.directory import Reviewer, sign_directory, verify_directory  # noqa: E402
from crypto.encoding import b64u_encode, canonical_json  # noqa: E402
from crypto.envelope import PAYLOAD_LABEL, Sealer  # noqa: E402
from crypto.errors import FormatError, SignatureError  # noqa: E402
from crypto.keys import PublicKeys, key_id, raw_private, raw_public  # noqa: E402

DEFAULT_OUT = ROOT / "crypto" / "vectors"
CHUNK = stream.CHUNK
CT_CHUNK = stream.CT_CHUNK
P25519 = 2**255 - 19

Vector = dict[str, Any]


class VectorBug(Exception):
    """A generated vector does not show what its comment claims (a bug in this script)."""


def _require(ok: bool, what: str) -> None:
    if not ok:
        raise VectorBug(what)


# --- deterministic material -------------------------------------------------------------


def _det(label: str, n: int) -> bytes:
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
    return X25519PrivateKey.from_private_bytes(_det("x25519 " + name, 32))


def ed_key(name: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_det("ed25519 " + name, 32))


def hx(data: bytes) -> str:
    return data.hex()


def pub_hex(key: X25519PublicKey | Ed25519PublicKey) -> str:
    return raw_public(key).hex()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- envelopes built by the library -----------------------------------------------------


class Sealed:
    """An envelope made by :class:`Sealer` through its seams, and what made it."""

    def __init__(self, name: str, plaintext: bytes, recipients: list[X25519PrivateKey]) -> None:
        self.plaintext = plaintext
        self.recipients = recipients
        self.file_key = _det(name + " file-key", header.FILE_KEY_LEN)
        self.salt = _det(name + " salt", header.SALT_LEN)
        self.ephemerals = [x_key(f"{name} ephemeral {i}") for i in range(len(recipients))]
        randoms = iter([self.file_key, self.salt])
        ephemerals = iter(self.ephemerals)
        out = io.BytesIO()
        with Sealer(
            out,
            [r.public_key() for r in recipients],
            _random=lambda n: _take(randoms, n),
            _ephemeral=lambda: next(ephemerals),
        ) as sealer:
            sealer.write(plaintext)
        self.envelope = out.getvalue()
        self.header_len = header.PREFIX_LEN + len(recipients) * header.STANZA_LEN + 32
        self.payload_key = header.derive(self.file_key, self.salt, PAYLOAD_LABEL)
        body = self.envelope[: self.header_len - header.MAC_LEN]
        _require(
            sealer.header_mac == header._mac(self.file_key, body) == _mac_of(self.envelope),
            "Sealer.header_mac is not the MAC of the header it wrote",
        )

    def seal_inputs(self) -> dict[str, Any]:
        return {
            "plaintext": b64u_encode(self.plaintext),
            "file_key": hx(self.file_key),
            "salt": hx(self.salt),
            "ephemerals": [hx(raw_private(e)) for e in self.ephemerals],
            "recipients": [pub_hex(r.public_key()) for r in self.recipients],
        }

    @property
    def head(self) -> bytes:
        return self.envelope[: self.header_len]

    def chunks(self) -> list[bytes]:
        body = self.envelope[self.header_len :]
        return [body[i : i + CT_CHUNK] for i in range(0, len(body), CT_CHUNK)]


def _mac_of(env: bytes) -> bytes:
    """The header MAC field of an envelope: the 32 bytes that end its header (SPEC §3.4)."""
    length = header.read_prefix(env[: header.PREFIX_LEN])
    return env[length - header.MAC_LEN : length]


def _take(it: Iterator[bytes], n: int) -> bytes:
    value = next(it)
    _require(len(value) == n, "seam asked for an unexpected length")
    return value


# --- envelopes built by hand (each breaks one rule) -------------------------------------


def stanza(
    recipient: X25519PublicKey, file_key: bytes, eph: X25519PrivateKey, rid: bytes | None = None
) -> bytes:
    rid = key_id(recipient) if rid is None else rid
    enc, wrapped = _hpke.seal(recipient, header.WRAP_INFO, rid, file_key, ephemeral=eph)
    return rid + enc + wrapped


def low_order_stanza(recipient: X25519PublicKey, point: bytes, file_key: bytes) -> bytes:
    """What an attacker sends: the all-zero X25519 output is predictable, so without the
    RFC 9180 §7.1.4 zero check this stanza unwraps to a file key of the attacker's choice."""
    rid = key_id(recipient)
    shared = _hpke._kem_shared_secret(bytes(32), point, raw_public(recipient))
    key, nonce = _hpke._key_schedule(shared, header.WRAP_INFO, _hpke.AEAD_AES_256_GCM)
    return rid + point + AESGCM(key).encrypt(nonce, file_key, rid)


def raw_header(
    stanzas: list[bytes],
    file_key: bytes,
    salt: bytes,
    *,
    version: int = header.VERSION,
    reserved: int = 0,
    count: int | None = None,
) -> bytes:
    """A header with a correct MAC over whatever fields it is given."""
    n = len(stanzas) if count is None else count
    body = header.MAGIC + struct.pack(">BBH", version, reserved, n) + salt + b"".join(stanzas)
    return body + header._mac(file_key, body)


def seal_chunk(payload_key: bytes, counter: int, last: bool, plain: bytes) -> bytes:
    return AESGCM(payload_key).encrypt(stream._nonce(counter, last), plain, None)


def raw_payload(payload_key: bytes, padded: bytes, lasts: list[bool] | None = None) -> bytes:
    """Encrypt ``padded`` (data + padding, already laid out) in 64 KiB chunks."""
    pieces = [padded[i : i + CHUNK] for i in range(0, len(padded), CHUNK)] or [b""]
    flags = lasts or [i == len(pieces) - 1 for i in range(len(pieces))]
    pairs = enumerate(zip(pieces, flags, strict=True))
    return b"".join(seal_chunk(payload_key, i, flag, p) for i, (p, flag) in pairs)


def pad(data: bytes, total: int | None = None, marker: int = PAD_MARKER) -> bytes:
    total = padded_length(len(data)) if total is None else total
    return data + bytes([marker]) + bytes(total - len(data) - 1)


# --- a GCM ciphertext valid under two keys (the "invisible salamanders" construction) ---


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
    k1 = _det("commit k1", 32)
    pk1 = header.derive(k1, salt, PAYLOAD_LABEL)
    ks1 = AESGCM(pk1).encrypt(nonce, bytes(1024), None)[:1024]
    for attempt in range(10_000):
        k2 = _det(f"commit k2 {attempt}", 32)
        pk2 = header.derive(k2, salt, PAYLOAD_LABEL)
        ks2 = AESGCM(pk2).encrypt(nonce, bytes(1024), None)[:1024]
        if ks1[-1] == ks2[-1]:
            break
    else:
        raise VectorBug("no K2 found")
    plain1 = bytearray(pad(_det("commit data", 1023)))
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
    _require(p1 != p2 and p1[-1] == p2[-1] == PAD_MARKER, "two-key chunk is not canonical")
    return k1, k2, chunk, p1[:-1]


# --- vector records ---------------------------------------------------------------------


def envelope_ok(
    comment: str,
    env: bytes,
    identity: X25519PrivateKey,
    plain: bytes,
    seal: dict[str, Any] | None = None,
) -> Vector:
    v: Vector = {
        "comment": comment,
        "type": "envelope",
        "identity": hx(raw_private(identity)),
        "envelope": b64u_encode(env),
        "expect": "success",
        "plaintext_length": len(plain),
        "plaintext_sha256": sha256_hex(plain),
        "header_mac": hx(_mac_of(env)),
    }
    if seal is not None:
        v["seal"] = seal
    return v


def envelope_bad(comment: str, env: bytes, identity: X25519PrivateKey) -> Vector:
    return {
        "comment": comment,
        "type": "envelope",
        "identity": hx(raw_private(identity)),
        "envelope": b64u_encode(env),
        "expect": "error",
        "error": "DecryptionError",
    }


def flip(data: bytes, index: int, mask: int = 0x01) -> bytes:
    out = bytearray(data)
    out[index] ^= mask
    return bytes(out)


# --- the envelope vectors ---------------------------------------------------------------

ALICE = x_key("alice")
BUDI = x_key("budi")
CITRA = x_key("citra")


def envelope_success() -> dict[str, Vector]:
    vs: dict[str, Vector] = {}

    def one(
        name: str, comment: str, plain: bytes, recips: list[X25519PrivateKey], who: X25519PrivateKey
    ) -> None:
        s = Sealed(name, plain, recips)
        vs[f"envelope-ok-{name}"] = envelope_ok(comment, s.envelope, who, plain, s.seal_inputs())

    one(
        "empty",
        "Empty data: one chunk of 1024 bytes of padding (0x80 then zeros).",
        b"",
        [ALICE],
        ALICE,
    )
    one("one-byte", "One byte of data, padded to the 1024-byte floor.", b"\x42", [ALICE], ALICE)
    one(
        "pad-1023",
        "1023 bytes: data + marker fill the 1024-byte floor exactly, no zeros.",
        _det("pad-1023", 1023),
        [ALICE],
        ALICE,
    )
    one(
        "pad-1024",
        "1024 bytes: one past the floor, Padmé rounds 1025 up to 1088.",
        _det("pad-1024", 1024),
        [ALICE],
        ALICE,
    )
    one(
        "pad-2047",
        "2047 bytes: data + marker is 2048, already a Padmé value (no zeros).",
        _det("pad-2047", 2047),
        [ALICE],
        ALICE,
    )
    one(
        "pad-2048",
        f"2048 bytes: Padmé rounds 2049 up to {padded_length(2048)}.",
        _det("pad-2048", 2048),
        [ALICE],
        ALICE,
    )
    one(
        "chunk-minus-1",
        "65535 bytes: data + marker fill exactly one full 64 KiB chunk, "
        "which is the last chunk (the marker is its final byte).",
        _det("c-1", CHUNK - 1),
        [ALICE],
        ALICE,
    )
    one(
        "exactly-64k",
        "Exactly 65536 bytes of data: a full first chunk of data, and a "
        "second (last) chunk holding only the marker and 2047 zeros (padded 67584).",
        _det("64k", CHUNK),
        [ALICE],
        ALICE,
    )
    one(
        "multi-chunk",
        "131172 bytes (2 × 64 KiB + 100): three chunks, padded to 135168.",
        _det("multi", 2 * CHUNK + 100),
        [ALICE],
        ALICE,
    )
    one(
        "zeros-span-chunks",
        "1000 random bytes then 140000 zero bytes: the data's own "
        "trailing zeros fill a whole middle chunk and run into the padding; a reader must "
        "not mistake them for padding (the last non-zero byte must be the 0x80 marker).",
        _det("zeros", 1000) + bytes(140000),
        [ALICE],
        ALICE,
    )
    plain = b"Dua penelaah, satu amplop. Two reviewers, one envelope."
    one(
        "two-recipients-first",
        "Two recipients; opened with the first one's key.",
        plain,
        [ALICE, BUDI],
        ALICE,
    )
    one(
        "two-recipients-second",
        "Two recipients; opened with the second one's key.",
        plain,
        [ALICE, BUDI],
        BUDI,
    )
    return vs


def envelope_rejects() -> dict[str, Vector]:
    vs: dict[str, Vector] = {}
    multi = Sealed("reject-base", _det("reject-base", 2 * CHUNK + 100), [ALICE])
    head, ch = multi.head, multi.chunks()
    _require(len(ch) == 3 and len(ch[2]) < CT_CHUNK, "reject base must have 3 chunks")

    def bad(name: str, comment: str, env: bytes, who: X25519PrivateKey = ALICE) -> None:
        vs[f"envelope-reject-{name}"] = envelope_bad(comment, env, who)

    base = "Base: the 3-chunk envelope of 131172 bytes to alice. "
    bad(
        "truncated-at-chunk-boundary",
        base + "The last chunk is dropped: chunk 1 was sealed "
        "with last flag 0, so the reader must not accept it as final.",
        head + ch[0] + ch[1],
    )
    bad("truncated-after-first-chunk", base + "Only the first chunk is left.", head + ch[0])
    bad(
        "truncated-mid-chunk",
        base + "Cut in the middle of chunk 1.",
        head + ch[0] + ch[1][: CT_CHUNK // 2],
    )
    bad(
        "truncated-mid-last-chunk",
        base + "Cut in the middle of the last chunk.",
        head + ch[0] + ch[1] + ch[2][:100],
    )
    bad(
        "truncated-last-tag-byte",
        base + "The final byte (of the last tag) is missing.",
        multi.envelope[:-1],
    )
    bad("truncated-in-header", base + "Cut inside the recipient stanza.", head[:40])
    bad("header-only", base + "A complete header and no payload at all.", head)
    bad("empty-file", "Zero bytes.", b"")
    bad(
        "trailing-byte",
        base + "One zero byte appended after the last chunk.",
        multi.envelope + b"\x00",
    )
    bad(
        "trailing-chunk-copy",
        base + "A copy of the last chunk appended after it.",
        multi.envelope + ch[2],
    )
    bad("reordered-chunks", base + "Chunks 0 and 1 swapped.", head + ch[1] + ch[0] + ch[2])
    bad(
        "duplicated-chunk",
        base + "Chunk 0 repeated: 0, 0, 1, 2.",
        head + ch[0] + ch[0] + ch[1] + ch[2],
    )
    bad(
        "duplicated-last-chunk",
        base + "The last chunk repeated: 0, 1, 2, 2.",
        multi.envelope + ch[2],
    )
    bad("chunk-dropped-middle", base + "Chunk 1 removed: 0, 2.", head + ch[0] + ch[2])

    full = Sealed("reject-full", _det("reject-full", CHUNK - 1), [ALICE])
    fh, fch = full.head, full.chunks()
    _require(len(fch) == 1 and len(fch[0]) == CT_CHUNK, "full base must be one full chunk")
    bad(
        "trailing-after-full-last-chunk",
        "Base: 65535 bytes, so one full last chunk. "
        "100 bytes appended after it: the reader must read past a full chunk before "
        "deciding it is last.",
        full.envelope + _det("junk", 100),
    )
    padded = pad(_det("reject-full", CHUNK - 1))
    empty_final = (
        fh
        + seal_chunk(full.payload_key, 0, False, padded)
        + seal_chunk(full.payload_key, 1, True, b"")
    )
    bad(
        "empty-final-chunk",
        "65535 bytes padded to one full chunk, sealed as chunk 0 with "
        "last flag 0, followed by a correctly sealed EMPTY final chunk (16-byte tag only). "
        "The payload is never empty, so an empty final chunk is always invalid.",
        empty_final,
    )

    plain = _det("reject-base", 2 * CHUNK + 100)
    bad(
        "last-flag-on-first-chunk",
        base + "Re-sealed with the last flag set on chunk 0 too (0/1 flags: 1, 0, 1).",
        head + raw_payload(multi.payload_key, pad(plain), [True, False, True]),
    )
    bad(
        "no-last-flag",
        base + "Re-sealed with no chunk flagged last (flags 0, 0, 0).",
        head + raw_payload(multi.payload_key, pad(plain), [False, False, False]),
    )

    # --- header fields
    small = Sealed("reject-small", b"Laporan singkat. A short report.", [ALICE])
    sh = small.head
    sp = small.envelope[small.header_len :]
    off = header.PREFIX_LEN
    bad(
        "flipped-magic",
        "Base: a one-chunk envelope to alice. First magic byte flipped.",
        flip(small.envelope, 0),
    )
    bad("flipped-salt", "Salt byte flipped (the MAC covers it).", flip(small.envelope, 20))
    bad(
        "flipped-stanza-key-id",
        "A byte of alice's key id flipped: no stanza is hers.",
        flip(small.envelope, off + 3),
    )
    bad(
        "flipped-stanza-enc",
        "A byte of the HPKE enc (ephemeral share) flipped.",
        flip(small.envelope, off + 16 + 5),
    )
    bad(
        "flipped-stanza-wrapped-key",
        "A byte of the wrapped file key flipped.",
        flip(small.envelope, off + 48 + 7),
    )
    bad(
        "flipped-stanza-wrap-tag",
        "The last byte of the wrapped key's GCM tag flipped.",
        flip(small.envelope, off + header.STANZA_LEN - 1),
    )
    bad(
        "flipped-mac",
        "First byte of the header MAC flipped.",
        flip(small.envelope, small.header_len - 32),
    )
    bad(
        "flipped-mac-last",
        "Last byte of the header MAC flipped.",
        flip(small.envelope, small.header_len - 1),
    )
    bad("flipped-payload", "A payload byte flipped.", flip(small.envelope, small.header_len + 9))
    bad(
        "flipped-payload-tag",
        "The last byte (the chunk's GCM tag) flipped.",
        flip(small.envelope, len(small.envelope) - 1),
    )
    pair = Sealed("reject-pair", b"two", [ALICE, BUDI])
    bad(
        "flipped-other-stanza",
        "Two recipients; a byte of BUDI's stanza flipped, opened "
        "by alice: her own stanza is intact, but the header MAC covers budi's too.",
        flip(pair.envelope, off + header.STANZA_LEN + 60),
    )

    fk, salt = small.file_key, small.salt
    st = sh[off : off + header.STANZA_LEN]
    for version in (0, 2):
        bad(
            f"unknown-version-{version}",
            f"Version byte {version} with a header MAC that is "
            "correct for it: only the version check can reject it.",
            raw_header([st], fk, salt, version=version) + sp,
        )
    bad(
        "reserved-nonzero",
        "Reserved byte 0x01, header MAC correct for it.",
        raw_header([st], fk, salt, reserved=1) + sp,
    )
    bad(
        "zero-recipients",
        "Recipient count 0 and no stanza; MAC correct.",
        raw_header([], fk, salt) + sp,
    )
    many = [
        stanza(x_key(f"filler {i}").public_key(), fk, x_key(f"filler eph {i}"))
        for i in range(header.MAX_RECIPIENTS)
    ]
    bad(
        "too-many-recipients",
        f"{header.MAX_RECIPIENTS + 1} stanzas (alice's first), "
        "every one valid, MAC correct: above the limit of 32.",
        raw_header([st, *many], fk, salt) + sp,
    )
    bad(
        "count-exceeds-stanzas",
        "Count says 2 but only one stanza follows.",
        raw_header([st], fk, salt, count=2) + sp,
    )
    st2 = stanza(ALICE.public_key(), fk, x_key("dup eph"))
    bad(
        "duplicate-key-id",
        "Two stanzas with alice's key id, both wrapping the right file "
        "key, MAC correct: duplicated key ids make the header ambiguous.",
        raw_header([st, st2], fk, salt) + sp,
    )
    bad("wrong-key", "Addressed to alice only; opened with citra's key.", small.envelope, CITRA)

    # --- key commitment
    csalt = _det("commit salt", 16)
    k1, k2, chunk, plain1 = two_key_chunk(csalt)
    chead = raw_header(
        [
            stanza(ALICE.public_key(), k1, x_key("commit eph a")),
            stanza(BUDI.public_key(), k2, x_key("commit eph b")),
        ],
        k1,
        csalt,
    )
    cenv = chead + chunk
    bad(
        "key-commitment-other-file-key",
        "Two stanzas: alice's wraps file key K1, budi's "
        "wraps a different K2; the header MAC is computed under K1. The single payload chunk "
        "is crafted (AES-GCM is not key-committing) to decrypt with a valid tag under BOTH "
        "payload keys, to two different plaintexts that are both canonically padded "
        "(1023 bytes + 0x80). Opened by budi: his stanza unwraps and his chunk verifies, so "
        "only the header MAC under K2 stops him from reading a different report than alice. "
        "(envelope-ok-key-commitment-first-recipient is the same envelope opened by alice.)",
        cenv,
        BUDI,
    )
    vs["envelope-ok-key-commitment-first-recipient"] = envelope_ok(
        "The envelope of envelope-reject-key-commitment-other-file-key opened by alice, "
        "whose stanza wraps the file key the MAC is computed under.",
        cenv,
        ALICE,
        plain1,
    )

    # --- low-order points as the HPKE enc
    for name, point in LOW_ORDER.items():
        _require(_is_low_order(point), f"{name} is not low-order")
        lhead = raw_header([low_order_stanza(ALICE.public_key(), point, fk)], fk, salt)
        bad(
            f"low-order-enc-{name}",
            f"The stanza's HPKE enc is the low-order X25519 point "
            f"{name} ({point.hex()}). The X25519 output is then all zeros for any key, so "
            "this stanza is crafted to unwrap to the file key under that predictable secret, "
            "and the MAC and payload are valid: only the all-zero check (RFC 9180 §7.1.4) "
            "rejects it.",
            lhead + sp,
        )

    # --- non-canonical padding (header valid, chunks correctly sealed)
    pk = small.payload_key

    def padbad(name: str, comment: str, padded: bytes) -> None:
        bad(
            f"padding-{name}",
            f"Header valid, chunks correctly sealed; {comment}",
            sh + raw_payload(pk, padded),
        )

    data = b"isi laporan"
    d11 = "11 bytes of data, "
    padbad("bad-marker", d11 + "marker 0x01 instead of 0x80, total 1024.", pad(data, marker=0x01))
    padbad("marker-0xff", d11 + "marker 0xff instead of 0x80, total 1024.", pad(data, marker=0xFF))
    padbad("no-marker", "no marker at all: 1024 zero bytes.", bytes(1024))
    padbad(
        "too-long",
        d11 + "0x80 then zeros to 2048 bytes, but max(1024, padme(12)) is 1024.",
        pad(data, 2048),
    )
    padbad(
        "too-short",
        d11 + "0x80 then zeros to 1023 bytes, under the 1024-byte floor.",
        pad(data, 1023),
    )
    padbad("plus-one", d11 + "0x80 then zeros to 1025 bytes.", pad(data, 1025))
    padbad(
        "no-floor",
        d11 + "0x80 and no zeros (padme(12) = 12 bytes), ignoring the floor.",
        pad(data, 12),
    )
    padbad(
        "nonzero-after-marker",
        d11 + "0x80, zeros, and a final 0x01 byte (total 1024).",
        pad(data)[:-1] + b"\x01",
    )
    big = _det("pad-big", 3000)
    padbad(
        "wrong-padme",
        f"3000 bytes of data, 0x80 then zeros to 4096, but padme(3001) is {padded_length(3000)}.",
        pad(big, 4096),
    )
    return vs


def _ed_point(u: int) -> bytes:
    return u.to_bytes(32, "little")


_ORDER8_A = 325606250916557431795983626356110631294008115727848805560023387167927233504
_ORDER8_B = 39382357235489614581723060781553021112529911719440698176882885853963445705823
LOW_ORDER: dict[str, bytes] = {
    "zero": _ed_point(0),
    "one": _ed_point(1),
    "order8-a": _ed_point(_ORDER8_A),
    "order8-b": _ed_point(_ORDER8_B),
    "p-minus-1": _ed_point(P25519 - 1),
    "p": _ed_point(P25519),
    "p-plus-1": _ed_point(P25519 + 1),
}
# RFC 7748 §5: the top bit of a u-coordinate is ignored, so each has a second encoding.
LOW_ORDER.update(
    {f"{k}-high-bit": v[:31] + bytes([v[31] | 0x80]) for k, v in list(LOW_ORDER.items())}
)


def _is_low_order(point: bytes) -> bool:
    """True if X25519 with two unrelated scalars gives all zeros (pyca raises ValueError)."""
    for name in ("probe 1", "probe 2"):
        try:
            x_key(name).exchange(X25519PublicKey.from_public_bytes(point))
        except ValueError:
            continue
        return False
    return True


# --- HPKE -------------------------------------------------------------------------------


def hpke_vectors() -> dict[str, Vector]:
    vs: dict[str, Vector] = {}

    def one(
        name: str,
        comment: str,
        rec: X25519PrivateKey,
        eph: X25519PrivateKey,
        info: bytes,
        aad: bytes,
        plain: bytes,
    ) -> None:
        enc, ct = _hpke.seal(rec.public_key(), info, aad, plain, ephemeral=eph)
        dh = eph.exchange(rec.public_key())
        shared = _hpke._kem_shared_secret(dh, enc, raw_public(rec.public_key()))
        key, nonce = _hpke._key_schedule(shared, info, _hpke.AEAD_AES_256_GCM)
        vs[f"hpke-{name}"] = {
            "comment": comment,
            "type": "hpke",
            "suite": "DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM, base mode, "
            "single shot (sequence number 0)",
            "recipient_private": hx(raw_private(rec)),
            "recipient_public": pub_hex(rec.public_key()),
            "ephemeral_private": hx(raw_private(eph)),
            "info": hx(info),
            "aad": hx(aad),
            "plaintext": hx(plain),
            "expect": "success",
            "enc": hx(enc),
            "shared_secret": hx(shared),
            "key": hx(key),
            "base_nonce": hx(nonce),
            "ciphertext": hx(ct),
        }

    rid = key_id(ALICE.public_key())
    one(
        "file-key-wrap",
        "How an envelope stanza wraps a file key: info 'bisik/v1 file-key', "
        "aad = the recipient's 16-byte key id, plaintext = the 32-byte file key.",
        ALICE,
        x_key("hpke eph 1"),
        header.WRAP_INFO,
        rid,
        _det("hpke file key", 32),
    )
    one(
        "empty-aad",
        "Empty aad and empty info: the case pyca's hpke.Suite also covers.",
        BUDI,
        x_key("hpke eph 2"),
        b"",
        b"",
        b"Beauty is truth, truth beauty",
    )
    return vs


# --- receipts ---------------------------------------------------------------------------


def _symbols(data: bytes) -> Callable[[int], int]:
    """A ``randbelow`` stand-in drawing from fixed bytes (256 is a multiple of 32: uniform)."""
    it = iter(data)
    return lambda n: next(it) % n


def _receipt_code() -> str:
    """The first seeded receipt that contains both 0 and 1 (so the aliases can be shown)."""
    for attempt in range(1000):
        code = receipt.generate(_random=_symbols(_det(f"receipt {attempt}", receipt.DATA_SYMBOLS)))
        if "0" in code[:-5] and "1" in code[:-5]:
            return code
    raise VectorBug("no seeded receipt with 0 and 1")


def receipt_vectors() -> dict[str, Vector]:
    vs: dict[str, Vector] = {}
    code = _receipt_code()
    canon = code.replace("-", "")
    secrets_ = receipt.derive(code)
    pepper = _det("pepper", 32)
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
        _require(receipt.normalize(text) == canon, f"{name} does not normalise")
        vs[f"receipt-ok-{name}"] = {
            "comment": comment,
            "type": "receipt",
            "input": text,
            **ok_fields,
        }

    def bad(name: str, comment: str, text: str) -> None:
        try:
            receipt.normalize(text)
        except receipt.ReceiptError:
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


# --- follow-ups proven by the receipt (SPEC §12) -------------------------------------------

FOLLOWUP_CASE = "k3v9q2m7xw4p8d6f"


def followup_vectors() -> dict[str, Vector]:
    vs: dict[str, Vector] = {}
    code = _receipt_code()
    key = receipt.derive(code).followup_key
    other = receipt.derive(receipt.generate(_random=_symbols(_det("other receipt", 18))))
    msg_sha, ev = (
        sha256_hex(b"message envelope"),
        [sha256_hex(b"evidence 1"), sha256_hex(b"evidence 2")],
    )
    item = {"case": FOLLOWUP_CASE, "type": "message", "envelope_sha256": msg_sha, "evidence": ev}

    def v(
        name: str,
        comment: str,
        data: bytes,
        error: str | None,
        check: dict[str, Any],
        signer_code: str = code,
    ) -> None:
        rec: Vector = {
            "comment": comment,
            "type": "followup",
            "receipt": signer_code,
            "followup_public": pub_hex(key.public_key()),
            "item": check,
            "object": data.decode(),
        }
        try:
            body = followup.verify(
                data,
                key.public_key(),
                check["case"],
                check["type"],
                check["envelope_sha256"],
                check["evidence"],
            )
        except (SignatureError, FormatError) as exc:
            _require(error == type(exc).__name__, f"{name}: {type(exc).__name__}, not {error}")
            rec.update(expect="error", error=error)
        else:
            _require(error is None, f"{name} was accepted")
            rec.update(expect="success", body=body)
        vs[f"followup-{name}"] = rec

    def raw(body: dict[str, Any], kind: str = followup.KIND, by: Any = key) -> bytes:
        return signed.sign(by, kind, body).to_bytes()  # any body, validly signed

    good = followup.sign(key, **_args(item))
    v(
        "ok-message-with-evidence",
        "A message with two evidence envelopes, signed by the "
        "follow-up key of the receipt (derive it from `receipt` and sign `item`: byte for byte "
        "this object).",
        good,
        None,
        item,
    )
    ret = {**item, "type": "retaliation", "evidence": []}
    v(
        "ok-retaliation-no-evidence",
        "A retaliation report without evidence.",
        followup.sign(key, **_args(ret)),
        None,
        ret,
    )
    v(
        "reject-other-receipt",
        "Signed by the follow-up key of another receipt (the server's "
        "forgery): the signer is not the key the report published.",
        followup.sign(other.followup_key, **_args(item)),
        "SignatureError",
        item,
        signer_code=receipt.display(
            receipt.normalize(receipt.generate(_random=_symbols(_det("other receipt", 18))))
        ),
    )
    v(
        "reject-other-case",
        "A genuine signature replayed on an item of another case.",
        good,
        "SignatureError",
        {**item, "case": "other0case0id000"},
    )
    v(
        "reject-other-envelope",
        "A genuine signature on another envelope (content swapped).",
        good,
        "SignatureError",
        {**item, "envelope_sha256": sha256_hex(b"forged")},
    )
    v(
        "reject-other-type",
        "A message's signature presented for a retaliation report.",
        good,
        "SignatureError",
        {**item, "type": "retaliation"},
    )
    v(
        "reject-other-evidence",
        "The message re-sent with one attachment dropped.",
        good,
        "SignatureError",
        {**item, "evidence": ev[:1]},
    )
    v(
        "reject-kind-status",
        "The same body signed as a 'status' object: the kind is signed.",
        raw(followup.body(**_args(item)), kind="status"),
        "SignatureError",
        item,
    )
    obj = json.loads(good)
    tampered = dict(json.loads(signed.parse(good).body), envelope_sha256=sha256_hex(b"x"))
    v(
        "reject-tampered-body",
        "The body's envelope hash changed, the signature kept (checked for the new hash).",
        json.dumps(
            {**obj, "body": b64u_encode(canonical_json(tampered))},
            sort_keys=True,
            separators=(",", ":"),
        ).encode(),
        "SignatureError",
        {**item, "envelope_sha256": sha256_hex(b"x")},
    )
    v(
        "reject-extra-member",
        "A validly signed body with a member SPEC §12.2 does not list.",
        raw({**followup.body(**_args(item)), "at": "2026-11-20T08:30:00+00:00"}),
        "FormatError",
        item,
    )
    v(
        "reject-evidence-twice",
        "A validly signed body listing one evidence envelope twice.",
        raw({**followup.body(**_args(item)), "evidence": [ev[0], ev[0]]}),
        "FormatError",
        {**item, "evidence": [ev[0], ev[0]]},
    )
    v(
        "reject-uppercase-hash",
        "A validly signed body whose envelope hash is upper-case hex.",
        raw({**followup.body(**_args(item)), "envelope_sha256": msg_sha.upper()}),
        "FormatError",
        {**item, "envelope_sha256": msg_sha.upper()},
    )
    v(
        "reject-version-2",
        "A validly signed body of another version.",
        raw({**followup.body(**_args(item)), "v": 2}),
        "FormatError",
        item,
    )
    return vs


def _args(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "case": item["case"],
        "type_": item["type"],
        "envelope_sha256": item["envelope_sha256"],
        "evidence": item["evidence"],
    }


# --- signed objects and the directory ---------------------------------------------------

ROOT_KEY = ed_key("org root")
OTHER_ROOT = ed_key("other root")
SERVER = ed_key("server")
TODAY = dt.date(2026, 11, 29)


def _reviewer(rid: str, name: str, role: str, until: dt.date = dt.date(2027, 12, 31)) -> Reviewer:
    return Reviewer(
        rid,
        name,
        role,
        PublicKeys(x_key(rid).public_key(), ed_key(rid).public_key()),
        dt.date(2026, 1, 1),
        until,
    )


REVIEWERS = [
    _reviewer("alice", "Alice Lestari", "lead"),
    _reviewer("budi", "Budi Santoso", "reviewer"),
    _reviewer("citra", "Citra Dewi", "reviewer"),
    _reviewer("dedi", "Dedi Kurniawan", "reviewer", until=dt.date(2026, 10, 31)),
]


def _status(who: str, state: str = "in_review") -> bytes:
    return records.status(
        ed_key(who),
        "BSK-0001",
        state,
        at="2026-11-20T08:30:00+00:00",
        _id=_det(f"record id {who}", 16).hex(),
    )


def signed_vectors() -> dict[str, Vector]:
    vs: dict[str, Vector] = {}
    good = _status("budi")
    budi_pub = pub_hex(ed_key("budi").public_key())
    citra_pub = pub_hex(ed_key("citra").public_key())
    obj = json.loads(good)

    def v(name: str, comment: str, data: bytes, key: str, kind: str, error: str | None) -> None:
        rec: Vector = {
            "comment": comment,
            "type": "signed",
            "public_key": key,
            "kind": kind,
            "object": data.decode(),
        }
        if error:
            rec.update(expect="error", error=error)
        else:
            rec.update(expect="success", body=json.loads(signed.parse(data).body))
        vs[f"signed-{name}"] = rec

    def edit(**changes: str) -> bytes:
        return json.dumps({**obj, **changes}, sort_keys=True, separators=(",", ":")).encode()

    v(
        "ok-status",
        "A status record signed by budi, checked as kind 'status' with his key.",
        good,
        budi_pub,
        "status",
        None,
    )
    v(
        "reject-wrong-kind",
        "The same object checked as a 'directory'.",
        good,
        budi_pub,
        "directory",
        "SignatureError",
    )
    v(
        "reject-kind-relabelled",
        "The container's kind changed to 'reply' and checked as a "
        "reply: the kind is inside the signed message, so the signature fails.",
        edit(kind="reply"),
        budi_pub,
        "reply",
        "SignatureError",
    )
    v(
        "reject-wrong-signer",
        "Checked against citra's key.",
        good,
        citra_pub,
        "status",
        "SignatureError",
    )
    v(
        "reject-signer-id-swapped",
        "The signer id changed to citra's and checked with her key.",
        edit(signer=key_id(ed_key("citra").public_key()).hex()),
        citra_pub,
        "status",
        "SignatureError",
    )
    body = json.loads(signed.parse(good).body)
    tampered = json.dumps(
        {**body, "state": "closed_unsubstantiated"}, sort_keys=True, separators=(",", ":")
    ).encode()
    v(
        "reject-tampered-body",
        "The body's state changed, signature kept.",
        edit(body=b64u_encode(tampered)),
        budi_pub,
        "status",
        "SignatureError",
    )
    sig = bytearray(signed.parse(good).sig)
    sig[0] ^= 1
    v(
        "reject-flipped-signature",
        "One bit of the signature flipped.",
        edit(sig=b64u_encode(bytes(sig))),
        budi_pub,
        "status",
        "SignatureError",
    )
    v(
        "reject-not-signed-object",
        "Not a signed/v1 container.",
        b'{"bisik":"signed/v2"}',
        budi_pub,
        "status",
        "FormatError",
    )
    return vs


def directory_vectors() -> dict[str, Vector]:
    vs: dict[str, Vector] = {}
    expires = dt.date(2027, 6, 30)
    plain = sign_directory(ROOT_KEY, "Bisik Demo", 7, expires, REVIEWERS, SERVER.public_key())
    revoked = sign_directory(
        ROOT_KEY,
        "Bisik Demo",
        8,
        expires,
        REVIEWERS,
        SERVER.public_key(),
        [key_id(ed_key("citra").public_key()).hex()],
    )
    root_hex = pub_hex(ROOT_KEY.public_key())

    def v(
        name: str,
        comment: str,
        data: bytes,
        *,
        root: str = root_hex,
        today: dt.date = TODAY,
        record: bytes | None = None,
        error: str | None = None,
        min_serial: int | None = None,
    ) -> None:
        rec: Vector = {
            "comment": comment,
            "type": "directory",
            "root_public": root,
            "today": today.isoformat(),
            "directory": data.decode(),
        }
        if min_serial is not None:
            rec["min_serial"] = min_serial
        if record is not None:
            rec.update(record=record.decode(), record_kind="status")
        if error:
            rec.update(expect="error", error=error)
        else:
            rec["expect"] = "success"
            rec.update(_directory_outcome(data, today, record))
        vs[f"directory-{name}"] = rec

    v(
        "ok",
        "A directory signed by the pinned root: four reviewers, dedi's validity ended on "
        "2026-10-31, so three are active and receive envelopes.",
        plain,
    )
    v(
        "ok-revoked-reviewer",
        "Serial 8 revokes citra's signing key: she is no longer active and no longer a recipient.",
        revoked,
    )
    v(
        "reject-expired",
        "Checked on 2027-07-01, a day after it expired.",
        plain,
        today=dt.date(2027, 7, 1),
        error="SignatureError",
    )
    v(
        "reject-wrong-root",
        "Checked against a different pinned root key.",
        plain,
        root=pub_hex(OTHER_ROOT.public_key()),
        error="SignatureError",
    )
    body = json.loads(signed.parse(plain).body)
    body["org"]["root"] = b64u_encode(raw_public(OTHER_ROOT.public_key()))
    named_other = signed.sign(ROOT_KEY, "directory", body).to_bytes()
    v(
        "reject-names-other-root",
        "Signed by the pinned root, but the body names another root.",
        named_other,
        error="SignatureError",
    )
    v(
        "reject-rollback",
        "Serial 7 offered to a verifier that has already seen serial 8 (a "
        "rollback that would undo citra's revocation).",
        plain,
        min_serial=8,
        error="SignatureError",
    )
    v(
        "reject-tampered",
        "A reviewer's X25519 key replaced after signing.",
        _swap_alice_key(plain),
        error="SignatureError",
    )
    v(
        "record-ok",
        "A status record signed by budi, an active reviewer.",
        plain,
        record=_status("budi"),
    )
    v(
        "record-reject-revoked-reviewer",
        "A status record signed by citra, checked against the directory that revokes her.",
        revoked,
        record=_status("citra"),
        error="SignatureError",
    )
    v(
        "record-reject-validity-ended",
        "A status record signed by dedi, whose validity ended.",
        plain,
        record=_status("dedi"),
        error="SignatureError",
    )
    naive = records.status(
        ed_key("budi"),
        "BSK-0001",
        "in_review",
        at="2026-11-20T08:30:00",
        _id=_det("record id naive", 16).hex(),
    )
    v(
        "record-reject-time-without-zone",
        "A status record whose time has no zone: records are "
        "ordered in UTC, so a zoneless time is malformed.",
        plain,
        record=naive,
        error="FormatError",
    )
    v(
        "record-reject-unknown-signer",
        "A status record signed by a key not in the directory.",
        plain,
        record=_status("stranger"),
        error="SignatureError",
    )
    _n6_record_vectors(v, plain)
    return vs


def _n6_record(
    at: str, label: str, state: str = "in_review", authority: Any = None, _id: str | None = None
) -> bytes:
    return records.status(
        ed_key("budi"),
        "BSK-0001",
        state,
        authority=authority,
        at=at,
        _id=_id or _det(f"record id {label}", 16).hex(),
    )


def _n6_record_vectors(v: Callable[..., None], plain: bytes) -> None:
    """Audit N6: the browser must accept and refuse the same records as Python."""
    v(
        "record-ok-fractional-time",
        "A status record whose time has microseconds, as "
        "isoformat() writes them: Python accepts it, so the browser must (N6).",
        plain,
        record=_n6_record("2026-11-20T08:30:00.123456+00:00", "fraction"),
    )
    v(
        "record-ok-basic-format-time",
        "A status record whose time is in ISO 8601 basic format "
        "with a +0700 zone, which fromisoformat() accepts (N6).",
        plain,
        record=_n6_record("20261120T153000+0700", "basic"),
    )
    v(
        "record-reject-id-not-hex32",
        "A status record whose id is 32 uppercase hex digits: "
        "ids are lowercase, ties in time sort by them (N6).",
        plain,
        record=_n6_record(
            "2026-11-20T08:30:00+00:00", "upper", _id=_det("record id upper", 16).hex().upper()
        ),
        error="FormatError",
    )
    v(
        "record-reject-authority-not-text",
        "An escalation whose authority is a list, not text (SPEC §7: S|null) (N6).",
        plain,
        record=_n6_record("2026-11-20T08:30:00+00:00", "authority", "escalated", ["BKN"]),
        error="FormatError",
    )


def _swap_alice_key(data: bytes) -> bytes:
    obj = json.loads(data)
    body = json.loads(signed.parse(data).body)
    body["reviewers"][0]["x25519"] = b64u_encode(raw_public(CITRA.public_key()))
    obj["body"] = b64u_encode(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def _directory_outcome(data: bytes, today: dt.date, record: bytes | None) -> dict[str, Any]:
    from crypto.directory import verify_directory

    d = verify_directory(data, ROOT_KEY.public_key(), today)
    if record is not None:
        body, reviewer = records.verify(record, d, "status")
        return {"record_body": body, "record_signer": reviewer.id}
    return {
        "org_name": d.org_name,
        "serial": d.serial,
        "expires": d.expires.isoformat(),
        "server_key": pub_hex(d.server_key) if d.server_key else None,
        "active_reviewers": [r.id for r in d.active_reviewers()],
        "recipients": [pub_hex(k) for k in d.recipients()],
        "fingerprints": {r.id: r.keys.fingerprint for r in d.reviewers},
    }


# --- tracking steps (SPEC §16) ----------------------------------------------------------

TRACK_AT = "2026-11-20T08:30:00+00:00"


def _track_body(**changes: Any) -> dict[str, Any]:
    body = {
        "v": 1,
        "case": "BSK-0001",
        "authority": "bawaslu",
        "stage": "acknowledged",
        "day": "2026-11-18",
        "reference": "123/PM.01/K.JT/11/2026",
        "level": None,
        "at": TRACK_AT,
        "id": _det("track id", 16).hex(),
    }
    return {**body, **changes}


def track_vectors() -> dict[str, Vector]:
    """Tracking records checked against the directory, in Python and in the browser."""
    vs: dict[str, Vector] = {}
    plain = sign_directory(
        ROOT_KEY, "Bisik Demo", 7, dt.date(2027, 6, 30), REVIEWERS, SERVER.public_key()
    )
    budi = ed_key("budi")

    def v(name: str, comment: str, record: bytes, error: str | None = None) -> None:
        rec: Vector = {
            "comment": comment,
            "type": "directory",
            "root_public": pub_hex(ROOT_KEY.public_key()),
            "today": TODAY.isoformat(),
            "directory": plain.decode(),
            "record": record.decode(),
            "record_kind": tracking.KIND,
        }
        try:
            directory = verify_directory(plain, ROOT_KEY.public_key(), TODAY)
            body, who = records.verify(record, directory, tracking.KIND)
        except (SignatureError, FormatError) as exc:
            _require(error == type(exc).__name__, f"track-{name}: {type(exc).__name__}")
            rec.update(expect="error", error=error)
        else:
            _require(error is None, f"track-{name} was accepted")
            rec.update(expect="success", record_body=body, record_signer=who.id)
        vs[f"track-{name}"] = rec

    def raw(body: dict[str, Any], by: Ed25519PrivateKey = budi, kind: str = "track") -> bytes:
        return signed.sign(by, kind, body).to_bytes()  # any body, validly signed

    good = tracking.step(
        budi,
        "BSK-0001",
        "bawaslu",
        "acknowledged",
        "2026-11-18",
        reference="123/PM.01/K.JT/11/2026",
        at=TRACK_AT,
        _id=_det("track id", 16).hex(),
    )
    v(
        "ok-acknowledged-with-reference",
        "Bawaslu acknowledged on 2026-11-18 with its reference number; signed by budi.",
        good,
    )
    v(
        "ok-sanction-with-level",
        "The PPK decided a sanction of level 'sedang', no reference.",
        tracking.step(
            budi,
            "BSK-0001",
            "ppk",
            "sanction",
            "2026-11-20",
            level="sedang",
            at=TRACK_AT,
            _id=_det("track id 2", 16).hex(),
        ),
    )
    v(
        "reject-internal-note",
        "A member §16 does not list (an internal note would reach the "
        "server and the reporter's page).",
        raw(_track_body(note="call Pak X")),
        "FormatError",
    )
    v(
        "reject-missing-level",
        "The 'level' member is absent (it is null when there is none).",
        raw({k: x for k, x in _track_body().items() if k != "level"}),
        "FormatError",
    )
    v(
        "reject-day-after-signing",
        "A step dated after the day it was signed.",
        raw(_track_body(day="2026-11-21")),
        "FormatError",
    )
    v("reject-impossible-day", "30 February.", raw(_track_body(day="2026-02-30")), "FormatError")
    v(
        "reject-stage-not-a-code",
        "A stage in capitals with a space.",
        raw(_track_body(stage="Sent Out")),
        "FormatError",
    )
    v(
        "reject-reference-newline",
        "A reference with a line break (not printable ASCII).",
        raw(_track_body(reference="123\nPM")),
        "FormatError",
    )
    v(
        "reject-reference-too-long",
        "A reference of 121 characters.",
        raw(_track_body(reference="A" * 121)),
        "FormatError",
    )
    v(
        "reject-signed-as-status",
        "A valid tracking body signed as a 'status' object: the kind is inside the signature.",
        raw(_track_body(), kind="status"),
        "SignatureError",
    )
    obj = json.loads(good)
    forged = canonical_json(_track_body(stage="sanction", level="berat"))
    v(
        "reject-tampered-stage",
        "The stage changed to a sanction after signing.",
        canonical_json({**obj, "body": b64u_encode(forged)}),
        "SignatureError",
    )
    v(
        "reject-unknown-signer",
        "Signed by a key the directory does not name.",
        raw(_track_body(), by=ed_key("stranger")),
        "SignatureError",
    )
    return vs


# --- documents and the report's vocabulary (SPEC §8, §10) --------------------------------

FULL_REPORT_FIELDS = {
    "category": "mobilisation",
    "election": "pilkada",
    "election_year": "2024",
    "province": "Jawa Tengah",
    "regency": "Kabupaten Semarang",
    "agency_kind": "regency",
    "agency_name": "Dinas Pendidikan",
    "incident_month": "2024-10",
    "reported_position": "Kepala Dinas",
    "reported_name": "",
    "description": "Kepala dinas mengumpulkan guru dan meminta dukungan untuk calon tertentu.",
}


def _document(doc_type: str, fields: dict[str, str], *, reply: bool = True) -> bytes:
    reply_key = b64u_encode(raw_public(x_key("reporter").public_key())) if reply else None
    evidence = (
        document.Evidence(
            _det("evidence sha", 32).hex(),
            "rapat.jpg",
            "image/jpeg",
            70_000,
            share=True,
            envelope_mac=_det("evidence mac", 32).hex(),
        ),
    )
    consent = {"authorities": ["bawaslu", "other"]} if doc_type == "report" else {}
    return document.Document(
        doc_type,
        "2026-11-20T08:15:00+07:00",
        "browser",
        fields,
        reply_key,
        evidence if doc_type != "message" else (),
        consent,
    ).to_bytes()


def document_vectors() -> dict[str, Vector]:
    vs: dict[str, Vector] = {}

    def v(
        name: str, comment: str, data: bytes, error: str | None = None, layer: str = "vocabulary"
    ) -> None:
        rec: Vector = {"comment": comment, "type": "document", "document": data.decode()}
        if error:
            rec.update(expect="error", error=error, layer=layer)
        else:
            rec.update(expect="success")
        vs[f"document-{name}"] = rec

    full = dict(FULL_REPORT_FIELDS)
    v(
        "ok-full-report",
        "A report with every field of crypto.report_schema.REPORT_FIELDS, an "
        "evidence entry and consent: what the intake form seals (SPEC §10).",
        _document("report", full),
    )
    v(
        "ok-retaliation",
        "A retaliation report sent later with the receipt.",
        _document(
            "retaliation",
            {
                "kind": "retaliation",
                "text": "Saya dimutasi.",
                "retaliation_kind": "transfer",
                "retaliation_month": "2024-12",
            },
            reply=False,
        ),
    )
    v(
        "ok-retaliation-added-kind",
        "A retaliation report whose kind (allowance_cut) was added "
        "to the vocabulary later: adding a code is a new line in its list, not a new version.",
        _document(
            "retaliation",
            {
                "kind": "retaliation",
                "text": "TPP saya dihentikan.",
                "retaliation_kind": "allowance_cut",
                "retaliation_month": "2025-09",
            },
            reply=False,
        ),
    )
    v(
        "ok-message",
        "A follow-up message: kind and text only.",
        _document("message", {"kind": "message", "text": "Ada bukti baru."}, reply=False),
    )
    v(
        "reject-unknown-category",
        "A category code the vocabulary does not list.",
        _document("report", {**full, "category": "mobilisasi"}),
        "FormatError",
    )
    v(
        "reject-missing-field",
        "A report without its description field.",
        _document("report", {k: x for k, x in full.items() if k != "description"}),
        "FormatError",
    )
    v(
        "reject-extra-field",
        "A report with a field the vocabulary does not have (kategori).",
        _document("report", {**full, "kategori": "mobilisation"}),
        "FormatError",
    )
    v(
        "reject-bad-month",
        "An incident month that is not YYYY-MM, YYYY or empty.",
        _document("report", {**full, "incident_month": "2024-13"}),
        "FormatError",
    )
    v(
        "reject-report-without-reply-key",
        "A report must carry the reporter's reply key "
        "(SPEC §8): rejected by the document parser itself, in Python and in the browser.",
        _document("report", full, reply=False),
        "FormatError",
        layer="document",
    )
    followup_key = b64u_encode(raw_public(ed_key("reporter follow-up").public_key()))

    def with_key(doc_type: str, fields: dict[str, str], key: Any, reply: bool = True) -> bytes:
        obj = json.loads(_document(doc_type, fields, reply=reply))
        return canonical_json({**obj, "followup_key": key})

    v(
        "ok-report-with-followup-key",
        "A report publishing the receipt's Ed25519 follow-up key, "
        "which every later follow-up must be signed by (SPEC §12).",
        with_key("report", full, followup_key),
    )
    v(
        "reject-followup-key-in-message",
        "Only the first report publishes a follow-up key "
        "(SPEC §8, §12): a message naming one is refused by the document parser.",
        with_key("message", {"kind": "message", "text": "x"}, followup_key, reply=False),
        "FormatError",
        layer="document",
    )
    v(
        "reject-followup-key-null",
        "The member is absent when there is no key, never null.",
        with_key("report", full, None),
        "FormatError",
        layer="document",
    )
    v(
        "reject-followup-key-short",
        "A follow-up key that is not 32 bytes of base64url.",
        with_key("report", full, followup_key[:-2]),
        "FormatError",
        layer="document",
    )
    return vs


# --- linked cases (SPEC §15) ---------------------------------------------------------------


def link_vectors() -> dict[str, Vector]:
    """Link records checked against the directory (as ``directory-record-*``, kind ``link``):
    each reject breaks exactly one rule of SPEC §15.2."""
    from crypto.directory import verify_directory

    vs: dict[str, Vector] = {}
    plain = sign_directory(
        ROOT_KEY, "Bisik Demo", 7, dt.date(2027, 6, 30), REVIEWERS, SERVER.public_key()
    )
    d = verify_directory(plain, ROOT_KEY.public_key(), TODAY)
    good = {
        "v": 1,
        "case": "BSK-0002",
        "other": "BSK-0001",
        "linked": True,
        "share": True,
        "at": "2026-11-25T10:00:00+00:00",
        "id": _det("link id", 16).hex(),
    }

    def v(
        name: str,
        comment: str,
        body: dict[str, Any],
        error: str | None = None,
        signer: str = "budi",
    ) -> None:
        record = signed.sign(ed_key(signer), "link", body).to_bytes()
        rec: Vector = {
            "comment": comment,
            "type": "directory",
            "root_public": pub_hex(ROOT_KEY.public_key()),
            "today": TODAY.isoformat(),
            "directory": plain.decode(),
            "record": record.decode(),
            "record_kind": "link",
        }
        if error:
            rec.update(expect="error", error=error)
        else:
            got, reviewer = records.verify(record, d, "link")
            rec.update(expect="success", record_body=got, record_signer=reviewer.id)
        vs[f"link-{name}"] = rec

    v(
        "ok-shared",
        "budi links case BSK-0002 to the reporter's old case BSK-0001 and shares "
        "its coarse history with the new receipt.",
        good,
    )
    v(
        "ok-unlink",
        "An unlink: linked false, share false.",
        {**good, "linked": False, "share": False},
    )
    v("reject-self", "A case linked to itself.", {**good, "other": "BSK-0002"}, "FormatError")
    v(
        "reject-share-without-link",
        "share true on an unlink.",
        {**good, "linked": False},
        "FormatError",
    )
    v("reject-linked-not-boolean", "linked given as 1.", {**good, "linked": 1}, "FormatError")
    v(
        "reject-missing-share",
        "The share member is absent.",
        {k: x for k, x in good.items() if k != "share"},
        "FormatError",
    )
    v(
        "reject-extra-member",
        "A member the format does not have (note).",
        {**good, "note": "sama orangnya"},
        "FormatError",
    )
    v(
        "reject-bad-other",
        "An old case id with a character outside [A-Za-z0-9_-].",
        {**good, "other": "BSK 0001"},
        "FormatError",
    )
    v(
        "reject-time-without-zone",
        "A time without a zone (SPEC §7).",
        {**good, "at": "2026-11-25T10:00:00"},
        "FormatError",
    )
    v(
        "reject-revoked-signer",
        "Signed by dedi, whose validity ended.",
        good,
        "SignatureError",
        signer="dedi",
    )
    return vs


# --- consent changes (SPEC §14) ------------------------------------------------------------


def consent_vectors() -> dict[str, Vector]:
    """A consent change document: each reject breaks exactly one rule of SPEC §14.2."""
    vs: dict[str, Vector] = {}
    photo = _det("evidence sha", 32).hex()
    good = {"authorities": {"bawaslu": True, "bkn": False}, "evidence": {photo: False}}

    def raw(**over: Any) -> bytes:
        obj = {
            "v": 1,
            "type": "consent",
            "submitted_at": "2026-12-01T09:30:00+07:00",
            "channel": "browser",
            "fields": {},
            "reply_key": None,
            "evidence": [],
            "consent": good,
            **over,
        }
        return canonical_json(obj)

    def v(
        name: str, comment: str, data: bytes, error: str | None = None, layer: str = "consent"
    ) -> None:
        rec: Vector = {"comment": comment, "type": "consent", "document": data.decode()}
        if error:
            rec.update(expect="error", error=error, layer=layer)
        else:
            rec.update(expect="success", change=json.loads(data)["consent"])
        vs[f"consent-{name}"] = rec

    v("ok-grant-withdraw-and-file", "Grant Bawaslu, withdraw BKN, stop sharing one file.", raw())
    v(
        "ok-authorities-only",
        "Only an authority (LPSK) granted; no file named.",
        raw(consent={"authorities": {"lpsk": True}, "evidence": {}}),
    )
    v(
        "ok-other-body",
        "Consent to another body the reviewers judge competent ('other').",
        raw(consent={"authorities": {"other": True}, "evidence": {}}),
    )
    v(
        "reject-empty-change",
        "A change that names nothing changes nothing: refused.",
        raw(consent={"authorities": {}, "evidence": {}}),
        "FormatError",
    )
    v(
        "reject-unknown-authority",
        "An authority code the vocabulary does not list (polisi).",
        raw(consent={"authorities": {"polisi": True}, "evidence": {}}),
        "FormatError",
    )
    v(
        "reject-not-boolean",
        "A value that is not true or false (1): no answer is no consent.",
        raw(consent={"authorities": {"bkn": 1}, "evidence": {}}),
        "FormatError",
    )
    v(
        "reject-null-value",
        "A value of null.",
        raw(consent={"authorities": {"bkn": None}, "evidence": {}}),
        "FormatError",
    )
    v(
        "reject-bad-file-hash",
        "A file named by something that is not 64 lowercase hex digits.",
        raw(consent={"authorities": {}, "evidence": {photo.upper(): True}}),
        "FormatError",
    )
    v(
        "reject-missing-member",
        "The 'evidence' member is absent (both are always present).",
        raw(consent={"authorities": {"bkn": True}}),
        "FormatError",
    )
    v(
        "reject-extra-member",
        "A member the format does not have (reason).",
        raw(consent={**good, "reason": "takut"}),
        "FormatError",
    )
    v(
        "reject-with-fields",
        "A consent document carries no form fields.",
        raw(fields={"text": "saya setuju"}),
        "FormatError",
    )
    v(
        "reject-with-reply-key",
        "A consent document carries no reply key.",
        raw(reply_key=b64u_encode(raw_public(x_key("reporter").public_key()))),
        "FormatError",
    )
    v(
        "reject-not-object",
        "Authorities as a list, the report's shape, not a change.",
        raw(consent={"authorities": ["bkn"], "evidence": {}}),
        "FormatError",
    )
    v(
        "ok-with-seq",
        "The third consent change of its case (seq 3, SPEC §14.3): what writers emit now.",
        raw(consent={**good, "seq": 3}),
    )
    v(
        "ok-seq-largest",
        "The largest seq a reader accepts (2^31 - 1).",
        raw(consent={**good, "seq": (1 << 31) - 1}),
    )
    for name, comment, seq in (
        ("reject-seq-zero", "A seq of 0: changes are numbered from 1.", 0),
        ("reject-seq-negative", "A negative seq.", -1),
        ("reject-seq-too-large", "A seq of 2^31, beyond what every reader holds exactly.", 1 << 31),
        ("reject-seq-fraction", "A seq that is not a whole number (1.5).", 1.5),
        ("reject-seq-string", 'A seq written as text ("2").', "2"),
        ("reject-seq-boolean", "A seq of true (a boolean is no number).", True),
        ("reject-seq-null", "A seq of null: absent means an old change, null means nothing.", None),
    ):
        v(name, comment, raw(consent={**good, "seq": seq}), "FormatError")
    v(
        "reject-bad-time",
        "A submission time that is no time (SPEC §8): the document layer.",
        raw(submitted_at="kemarin"),
        "FormatError",
        layer="document",
    )

    return vs


# --- identity disclosure (SPEC §17) ---------------------------------------------------

IDENTITY_FIELDS = {
    "name": "Rina Wulandari",
    "nip": "198703152010012003",
    "position": "Analis Kepegawaian",
    "agency": "Dinas Pendidikan Kab. Semarang",
    "phone": "+62 812 0000 0000",
    "contact_note": "Sore hari, lewat Signal.",
}


def identity_vectors() -> dict[str, Vector]:
    """Identity documents: parser rules (Python and browser) and field rules (Python)."""
    vs: dict[str, Vector] = {}

    def doc(fields: dict[str, str], **changes: Any) -> bytes:
        obj = json.loads(
            document.Document(
                "identity", "2026-11-20T08:15:00+07:00", "browser", fields, None
            ).to_bytes()
        )
        return canonical_json({**obj, **changes})

    def v(
        name: str, comment: str, data: bytes, error: str | None = None, layer: str = "vocabulary"
    ) -> None:
        rec: Vector = {"comment": comment, "type": "document", "document": data.decode()}
        try:
            identity.check_fields(document.parse(data).fields)
        except FormatError:
            _require(error == "FormatError", f"identity-{name} was refused")
            rec.update(expect="error", error=error, layer=layer)
        else:
            _require(error is None, f"identity-{name} was accepted")
            rec.update(expect="success")
        vs[f"identity-{name}"] = rec

    reply_key = b64u_encode(raw_public(x_key("reporter").public_key()))
    v("ok-full", "Every field SPEC §17 lists but the address.", doc(IDENTITY_FIELDS))
    v(
        "ok-name-only",
        "Only the name: every other field is optional.",
        doc({"name": "Rina Wulandari"}),
    )
    v(
        "reject-server-channel",
        "Sealed on the server (the no-JS path): the server would have "
        "held the identity in memory, so §17 refuses it.",
        doc(IDENTITY_FIELDS, channel="server"),
        "FormatError",
        layer="document",
    )
    v(
        "reject-reply-key",
        "Carries the reporter's reply key.",
        doc(IDENTITY_FIELDS, reply_key=reply_key),
        "FormatError",
        layer="document",
    )
    v(
        "reject-without-name",
        "No name: a disclosure names the reporter.",
        doc({"phone": "+62 812 0000 0000"}),
        "FormatError",
    )
    v(
        "reject-unknown-field",
        "A field §17 does not list (NIK).",
        doc({**IDENTITY_FIELDS, "nik": "3322000000000000"}),
        "FormatError",
    )
    v("reject-name-too-long", "A name of 201 characters.", doc({"name": "A" * 201}), "FormatError")
    return vs


# --- passphrase-sealed key files and the reviewer's store (SPEC §11) ---------------------

PASSPHRASE = "kuda lumping makan bakso"  # noqa: S105


def keyfile_vectors() -> dict[str, Vector]:
    vs: dict[str, Vector] = {}
    secret = _det("keyfile secret", 64)
    good = keyfile.seal_secret(
        secret,
        PASSPHRASE,
        label="reviewer",
        profile="test",
        _salt=_det("keyfile salt", 16),
        _nonce=_det("keyfile nonce", 24),
    )
    obj = json.loads(good)

    def v(
        name: str,
        comment: str,
        data: bytes,
        error: str | None = None,
        *,
        passphrase: str = PASSPHRASE,
    ) -> None:
        rec: Vector = {
            "comment": comment,
            "type": "keyfile",
            "passphrase": passphrase,
            "label": "reviewer",
            "file": data.decode(),
        }
        if error:
            rec.update(expect="error", error=error)
        else:
            rec.update(
                expect="success",
                secret=secret.hex(),
                seal={
                    "profile": "test",
                    "salt": _det("keyfile salt", 16).hex(),
                    "nonce": _det("keyfile nonce", 24).hex(),
                },
            )
        vs[f"keyfile-{name}"] = rec

    def edit(**kdf: object) -> bytes:
        return canonical_json({**obj, "kdf": {**obj["kdf"], **kdf}})

    v(
        "ok",
        "A reviewer key sealed with the test profile (the only cost below the floor a "
        "reader accepts); sealing the secret with these salt and nonce gives the file.",
        good,
    )
    v(
        "reject-wrong-passphrase",
        "The right file, a wrong passphrase.",
        good,
        "PassphraseError",
        passphrase=PASSPHRASE + "!",
    )
    v(
        "reject-cost-lowered",
        "opslimit raised to 3 with memlimit kept tiny: below the floor, "
        "refused before any Argon2id run.",
        edit(opslimit=3),
        "FormatError",
    )
    v(
        "reject-cost-changed-in-bounds",
        "The cost changed to the moderate profile: in bounds, "
        "but the cost is authenticated, so the file does not open.",
        edit(opslimit=keyfile.FLOOR[0], memlimit=keyfile.FLOOR[1]),
        "PassphraseError",
    )
    v(
        "reject-other-label",
        "The file relabelled as the organisation root key.",
        canonical_json({**obj, "label": "org-root"}),
        "FormatError",
    )
    v(
        "reject-ct-shorter-than-tag",
        "The ciphertext cut to 15 bytes, shorter than its 16-byte "
        "tag: refused before any Argon2id run (found by fuzzing: the binding raised a bare "
        "ValueError).",
        canonical_json({**obj, "ct": obj["ct"][:20]}),
        "FormatError",
    )
    return vs


def store_vectors() -> dict[str, Vector]:
    vs: dict[str, Vector] = {}
    key = _det("store key", 32)
    nonces = iter([_det("store nonce index", 12), _det("store nonce case", 12)])
    keys = storeseal.StoreKeys(key, _random=lambda n: next(nonces))
    index = canonical_json({"v": 1, "cases": {"BSK-0001": {"st": "received"}}})
    case = canonical_json({"id": "BSK-0001", "report": {"fields": {"category": "rally"}}})
    name = keys.blob_name("BSK-0001", "v1")
    sealed_index, sealed_case = keys.seal_index(index), keys.seal_case(name, case)

    def v(
        vname: str,
        comment: str,
        purpose: str,
        blob: bytes,
        data: bytes | None,
        nonce: bytes,
        file_name: str = name,
    ) -> None:
        rec: Vector = {
            "comment": comment,
            "type": "store",
            "store_key": key.hex(),
            "purpose": purpose,
            "blob": blob.hex(),
        }
        if purpose == "case":
            rec.update(name=file_name, case_id="BSK-0001", version="v1")
        if data is None:
            rec.update(expect="error", error="DecryptionError")
        else:
            rec.update(expect="success", data=data.hex(), nonce=nonce.hex())
        vs[f"store-{vname}"] = rec

    v("ok-index", "The store's index.", "index", sealed_index, index, _det("store nonce index", 12))
    v(
        "ok-case",
        "One case file, named by the keyed hash of (case id, version).",
        "case",
        sealed_case,
        case,
        _det("store nonce case", 12),
    )
    v(
        "reject-case-renamed",
        "A case file opened under another case's name.",
        "case",
        sealed_case,
        None,
        b"",
        keys.blob_name("BSK-0002", "v1"),
    )
    v(
        "reject-index-as-case",
        "The index put in place of a case file.",
        "case",
        sealed_index,
        None,
        b"",
    )
    v(
        "reject-bad-magic",
        "The magic changed to BSR2.",
        "index",
        b"BSR2" + sealed_index[4:],
        None,
        b"",
    )
    return vs


# --- writing ----------------------------------------------------------------------------


def _proof_items(days: list[str]) -> list[proof.ProofItem]:
    kinds = ["report", "message", "retaliation", "consent"]
    return [
        proof.ProofItem(
            kind,
            dt.date.fromisoformat(day),
            sha256_hex(f"env {i}".encode()),
            (sha256_hex(f"ev {i}".encode()),) if i == 0 else (),
        )
        for i, (kind, day) in enumerate(zip(kinds, days, strict=False))
    ]


def proof_vectors() -> dict[str, Vector]:
    vs: dict[str, Vector] = {}
    expires = dt.date(2027, 6, 30)
    directory = sign_directory(ROOT_KEY, "Bisik Demo", 7, expires, REVIEWERS, SERVER.public_key())
    no_server = sign_directory(ROOT_KEY, "Bisik Demo", 7, expires, REVIEWERS, None)
    items = _proof_items(["2026-09-02", "2026-10-15", "2026-11-20", "2026-11-20"])
    old_items = items[:3]  # what a v2 proof could list: no consent change
    args = {
        "org_name": "Bisik Demo",
        "case": "abcdefghijkmn234",
        "received": dt.date(2026, 9, 2),
        "issued": TODAY,
    }
    root_hex = pub_hex(ROOT_KEY.public_key())

    def v(
        name: str, comment: str, data: bytes, *, root: str = root_hex, error: str | None = None
    ) -> None:
        rec: Vector = {
            "comment": comment,
            "type": "proof",
            "root_public": root,
            "proof": data.decode(),
        }
        if error:
            rec.update(expect="error", error=error)
        else:
            got = proof.verify(data, ROOT_KEY.public_key())
            rec.update(
                expect="success",
                org=got.org_name,
                case=got.case,
                issued=got.issued.isoformat(),
                items=[i.to_json() for i in got.items],
            )
        vs[f"proof-{name}"] = rec

    def issue(
        body_items: list[proof.ProofItem],
        *,
        key: Ed25519PrivateKey = SERVER,
        directory_bytes: bytes = directory,
        **over: Any,
    ) -> bytes:
        return proof.issue(key, directory_bytes, items=body_items, **{**args, **over})

    def resign(mutate: Callable[[dict[str, Any]], None], base: bytes | None = None) -> bytes:
        """A proof whose body was changed by ``mutate`` and signed again with the server key
        (so only the body rule under test is broken, not the signature)."""
        outer = json.loads(base or issue(items))
        body = json.loads(signed.parse(canonical_json(outer["proof"])).body)
        mutate(body)
        outer["proof"] = json.loads(signed.sign(SERVER, "proof", body).to_bytes())
        return canonical_json(outer)

    good = issue(items)
    v(
        "ok",
        "A report and three follow-ups (a message, a retaliation report, then a consent change "
        "on the same day), each with the day it arrived, signed by the server the directory "
        "names (proof/v3).",
        good,
    )
    v2 = proof.issue(SERVER, directory, items=old_items, _version=2, **args)
    v(
        "ok-v2",
        "A proof/v2 file issued before consent changes were listed: it stays verifiable.",
        v2,
    )
    v(
        "reject-v2-with-consent",
        "A proof/v2 body that lists a consent change (only v3 may).",
        resign(lambda b: b["items"].append(items[3].to_json()), v2),
        error="FormatError",
    )
    v(
        "reject-version-mismatch",
        "A proof/v3 file whose body says v 2.",
        resign(lambda b: b.update(v=2)),
        error="FormatError",
    )
    v(
        "reject-consent-with-evidence",
        "A consent change listed with an evidence file (a consent change attaches none).",
        resign(lambda b: b["items"][3].update(evidence=[sha256_hex(b"ev 3")])),
        error="FormatError",
    )
    v(
        "ok-after-directory-expiry",
        "Issued while its directory was valid: it still verifies "
        "after the directory expired (the directory is checked as of the issue day).",
        issue(items, issued=dt.date(2027, 6, 30)),
    )
    legacy = [
        proof.ProofItem("report", dt.date(2026, 9, 2), sha256_hex(b"env 0")),
        proof.ProofItem("message", None, sha256_hex(b"env 1")),
    ]
    v(
        "ok-day-unknown",
        "A follow-up stored before the server recorded item days: day null.",
        issue(legacy),
    )
    v(
        "reject-wrong-root",
        "Checked against another organisation's root key.",
        good,
        root=pub_hex(OTHER_ROOT.public_key()),
        error="SignatureError",
    )
    outer = json.loads(good)
    sig = bytearray(signed.parse(canonical_json(outer["proof"])).sig)
    sig[0] ^= 1
    outer["proof"]["sig"] = b64u_encode(bytes(sig))
    v(
        "reject-flipped-signature",
        "The proof's signature changed in one bit.",
        canonical_json(outer),
        error="SignatureError",
    )
    v(
        "reject-other-server-key",
        "Signed by a key the directory does not name.",
        issue(items, key=ed_key("stranger")),
        error="SignatureError",
    )
    v(
        "reject-directory-without-server",
        "The directory names no server key.",
        issue(items, directory_bytes=no_server),
        error="SignatureError",
    )
    v(
        "reject-issued-after-expiry",
        "Issued on a day its directory had already expired.",
        issue(items, issued=dt.date(2027, 7, 1)),
        error="SignatureError",
    )
    v(
        "reject-other-org",
        "Body names another organisation than its directory.",
        issue(items, org_name="Organisasi Lain"),
        error="SignatureError",
    )
    v(
        "reject-days-out-of-order",
        "A later item dated before an earlier one.",
        resign(lambda b: b["items"][1].update(day="2026-11-25")),
        error="FormatError",
    )
    v(
        "reject-day-before-received",
        "An item dated before the case was received.",
        resign(lambda b: b["items"][1].update(day="2026-09-01")),
        error="FormatError",
    )
    v(
        "reject-first-not-report",
        "The first item is not the report.",
        resign(lambda b: b["items"][0].update(kind="message")),
        error="FormatError",
    )
    v(
        "reject-unknown-kind",
        "An item of a kind reporters do not send.",
        resign(lambda b: b["items"][2].update(kind="status")),
        error="FormatError",
    )
    v(
        "reject-extra-field",
        "An outer field beside bisik, proof and directory.",
        canonical_json({**json.loads(good), "note": "x"}),
        error="FormatError",
    )
    return vs


GENERATORS: list[Callable[[], dict[str, Vector]]] = [
    envelope_success,
    envelope_rejects,
    hpke_vectors,
    receipt_vectors,
    followup_vectors,
    signed_vectors,
    directory_vectors,
    document_vectors,
    keyfile_vectors,
    store_vectors,
    proof_vectors,
    consent_vectors,
    link_vectors,
    track_vectors,
    identity_vectors,
]


def render(vector: Vector) -> bytes:
    return (json.dumps(vector, indent=1, ensure_ascii=False) + "\n").encode()


def build_all() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for gen in GENERATORS:
        for name, vector in gen().items():
            _require(name + ".json" not in files, f"duplicate vector {name}")
            files[name + ".json"] = render(vector)
    files["index.json"] = render(
        {
            "comment": "Every vector file in this directory (one scenario each); see README.md.",
            "files": sorted(files),
        }
    )
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    files = build_all()
    for stale in out.glob("*.json"):
        if stale.name not in files:
            stale.unlink()
    for name, data in files.items():
        (out / name).write_bytes(data)
    print(f"wrote {len(files)} files to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
