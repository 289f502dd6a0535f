"""Envelope header: recipient stanzas and the key-committing header MAC (SPEC §3.2–3.4).

Layout (big-endian)::

    magic "BISIKENV" (8) | version 0x01 (1) | reserved 0x00 (1) | count n (2) | salt (16)
    n × stanza: key id (16) | HPKE enc (32) | wrapped file key (48)
    MAC (32) = HMAC-SHA256(HKDF(file key, "bisik/v1 header-mac"), every byte before it)
"""

from __future__ import annotations

import hmac as std_hmac
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from . import _hpke
from .errors import DecryptionError
from .keys import KEY_ID_LEN, key_id, raw_public

MAGIC = b"BISIKENV"
VERSION = 1
MAX_RECIPIENTS = 32
FILE_KEY_LEN = 32
SALT_LEN = 16
STANZA_LEN = KEY_ID_LEN + _hpke.N_ENC + FILE_KEY_LEN + 16
PREFIX_LEN = len(MAGIC) + 4 + SALT_LEN
MAC_LEN = 32
MAX_HEADER_LEN = PREFIX_LEN + MAX_RECIPIENTS * STANZA_LEN + MAC_LEN
WRAP_INFO = b"bisik/v1 file-key"


def derive(file_key: bytes, salt: bytes, label: bytes) -> bytes:
    """HKDF-SHA256(ikm=file key, salt, info=label) → 32 bytes (SPEC §3.4)."""
    return HKDF(hashes.SHA256(), 32, salt or None, label).derive(file_key)


def _mac(file_key: bytes, data: bytes) -> bytes:
    h = hmac.HMAC(derive(file_key, b"", b"bisik/v1 header-mac"), hashes.SHA256())
    h.update(data)
    return h.finalize()


@dataclass(frozen=True)
class Header:
    """A parsed header: the salt, the file key it was opened with and its verified MAC."""

    salt: bytes
    file_key: bytes
    length: int
    mac: bytes


def build(
    recipients: Sequence[X25519PublicKey],
    file_key: bytes,
    salt: bytes,
    ephemeral: Callable[[], X25519PrivateKey] = X25519PrivateKey.generate,
) -> bytes:
    """Serialise a header wrapping ``file_key`` to each recipient, with its MAC."""
    if not 1 <= len(recipients) <= MAX_RECIPIENTS:
        raise ValueError(f"an envelope has 1 to {MAX_RECIPIENTS} recipients")
    ids = [key_id(r) for r in recipients]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate recipient")
    out = bytearray(MAGIC + struct.pack(">BBH", VERSION, 0, len(recipients)) + salt)
    for rid, pub in zip(ids, recipients, strict=True):
        try:
            enc, wrapped = _hpke.seal(pub, WRAP_INFO, rid, file_key, ephemeral=ephemeral())
        except _hpke.HpkeError as exc:  # a low-order "public key" would wrap to nobody
            raise ValueError("recipient key is a low-order point") from exc
        out += rid + enc + wrapped
    out += _mac(file_key, bytes(out))
    return bytes(out)


def read_prefix(prefix: bytes) -> int:
    """Validate the fixed prefix and return the full header length; DecryptionError if bad."""
    if len(prefix) != PREFIX_LEN or prefix[:8] != MAGIC:
        raise DecryptionError()
    version, reserved, count = prefix[8], prefix[9], int.from_bytes(prefix[10:12], "big")
    if version != VERSION or reserved != 0 or not 1 <= count <= MAX_RECIPIENTS:
        raise DecryptionError()
    return PREFIX_LEN + count * STANZA_LEN + MAC_LEN


def open_header(data: bytes, identity: X25519PrivateKey) -> Header:
    """Find our stanza, unwrap the file key, verify the MAC. Any failure: DecryptionError."""
    length = read_prefix(data[:PREFIX_LEN])
    if len(data) != length:
        raise DecryptionError()
    mine = identity.public_key()  # derived once: the key id and the HPKE context both use it
    my_id = key_id(mine)
    body, tag = data[:-MAC_LEN], data[-MAC_LEN:]
    seen: set[bytes] = set()
    file_key = None
    for off in range(PREFIX_LEN, len(body), STANZA_LEN):
        stanza = body[off : off + STANZA_LEN]
        rid = stanza[:KEY_ID_LEN]
        if rid in seen:  # duplicated stanzas make the header ambiguous
            raise DecryptionError()
        seen.add(rid)
        if rid == my_id and file_key is None:
            enc = stanza[KEY_ID_LEN : KEY_ID_LEN + _hpke.N_ENC]
            try:
                file_key = _hpke.open_(
                    identity, enc, WRAP_INFO, rid, stanza[KEY_ID_LEN + 32 :], pk_r=raw_public(mine)
                )
            except (_hpke.HpkeError, ValueError) as exc:
                raise DecryptionError() from exc
    if file_key is None or not std_hmac.compare_digest(_mac(file_key, body), tag):
        raise DecryptionError()
    return Header(salt=data[12:PREFIX_LEN], file_key=file_key, length=length, mac=tag)
