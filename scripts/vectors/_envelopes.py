"""Envelopes for the envelope families: made by the library through its seams
(:class:`Sealed`), or by hand from the same primitives so each one breaks exactly one rule
of SPEC §3 and is otherwise valid (a version byte of 2 still carries a correct header MAC).
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto import _header as header
from crypto import (
    _hpke,
)
from crypto import _stream as stream
from crypto._padding import PAD_MARKER, padded_length
from crypto.encoding import b64u_encode
from crypto.envelope import PAYLOAD_LABEL, Sealer
from crypto.keys import key_id, raw_private, raw_public
from scripts.vectors.common import (
    CHUNK,
    CT_CHUNK,
    Vector,
    det,
    hx,
    pub_hex,
    require,
    sha256_hex,
    x_key,
)

# --- envelopes built by the library -----------------------------------------------------


class Sealed:
    """An envelope made by :class:`Sealer` through its seams, and what made it."""

    def __init__(self, name: str, plaintext: bytes, recipients: list[X25519PrivateKey]) -> None:
        self.plaintext = plaintext
        self.recipients = recipients
        self.file_key = det(name + " file-key", header.FILE_KEY_LEN)
        self.salt = det(name + " salt", header.SALT_LEN)
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
        require(
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
    require(len(value) == n, "seam asked for an unexpected length")
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
