"""``hpke-*``: the HPKE single-shot seal a stanza uses, with every intermediate value."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
)

from crypto import _header as header
from crypto import (
    _hpke,
)
from crypto.keys import key_id, raw_private, raw_public
from scripts.vectors.common import ALICE, BUDI, Vector, det, hx, pub_hex, x_key


def vectors() -> dict[str, Vector]:
    """Two HPKE seals with their shared secret, key, nonce and ciphertext."""
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
        det("hpke file key", 32),
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
