"""AES-256-GCM sealing of the store's files under keys derived from the store key.

Each purpose gets its own HKDF sub-key (index, case, file names). A sealed file is
``"BSR1" | nonce (12) | ciphertext+tag``; the additional data names the purpose and the file,
so a case file moved under another name, or an old index put back in place of a case, fails to
open. Random 96-bit nonces are safe here: one laptop writes far fewer than 2^32 files per key.

Leaks: the length of each sealed JSON document (about the size of a case's text).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..errors import StoreError

MAGIC = b"BSR1"


class StoreKeys:
    """The sub-keys of one store key; holds AES-GCM objects ready for many operations."""

    def __init__(self, store_key: bytes) -> None:
        if len(store_key) != 32:
            raise ValueError("the store key is 32 bytes")
        self._index = AESGCM(self._sub(store_key, b"index"))
        self._case = AESGCM(self._sub(store_key, b"case"))
        self._names = self._sub(store_key, b"names")

    @staticmethod
    def _sub(key: bytes, purpose: bytes) -> bytes:
        return HKDF(hashes.SHA256(), 32, None, b"bisik/v1 reviewer-store " + purpose).derive(key)

    def blob_name(self, case_id: str, version: str) -> str:
        """File name of one version of a case: keyed, so names do not reveal case ids."""
        msg = case_id.encode() + b"\x00" + version.encode()
        return hmac.new(self._names, msg, hashlib.sha256).hexdigest()[:40]

    def seal_index(self, data: bytes) -> bytes:
        return _seal(self._index, data, b"index")

    def open_index(self, blob: bytes) -> bytes:
        return _open(self._index, blob, b"index")

    def seal_case(self, name: str, data: bytes) -> bytes:
        return _seal(self._case, data, b"case\x00" + name.encode())

    def open_case(self, name: str, blob: bytes) -> bytes:
        return _open(self._case, blob, b"case\x00" + name.encode())


def _seal(aead: AESGCM, data: bytes, aad: bytes) -> bytes:
    nonce = secrets.token_bytes(12)
    return MAGIC + nonce + aead.encrypt(nonce, data, aad)


def _open(aead: AESGCM, blob: bytes, aad: bytes) -> bytes:
    if len(blob) < 4 + 12 + 16 or blob[:4] != MAGIC:
        raise StoreError("err.store_damaged")
    try:
        return aead.decrypt(blob[4:16], blob[16:], aad)
    except InvalidTag as exc:
        raise StoreError("err.store_damaged") from exc
