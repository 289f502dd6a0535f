"""Files sealed under one 32-byte store key: the reviewer's local case store (SPEC §11.2).

Each purpose gets its own HKDF sub-key (index, case, file names). A sealed file is
``"BSR1" ‖ nonce (12) ‖ AES-256-GCM ciphertext and tag``; the additional data names the purpose
and, for a case, its file name, so a case file moved under another name, or an old index put
back in place of a case, fails to open. Random 96-bit nonces are safe here: one laptop writes
far fewer than 2^32 files per key. Case files are named by a keyed hash of (case id, version),
so the names reveal no case id.

Every failure to open is one :class:`~crypto.errors.DecryptionError`.

Leaks: the length of each sealed document (about the size of a case's text) and how many
files there are.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import DecryptionError

__all__ = ["MAGIC", "StoreKeys"]

MAGIC = b"BSR1"
_NONCE = 12
_TAG = 16
_LABEL = b"bisik/v1 reviewer-store "


class StoreKeys:
    """The sub-keys of one store key, with AES-GCM objects ready for many operations.

    ``_random`` is the seam that makes vectors reproducible (it draws the nonces).
    """

    def __init__(
        self, store_key: bytes, *, _random: Callable[[int], bytes] = secrets.token_bytes
    ) -> None:
        if len(store_key) != 32:
            raise ValueError("the store key is 32 bytes")
        self._index = AESGCM(_sub(store_key, b"index"))
        self._case = AESGCM(_sub(store_key, b"case"))
        self._names = _sub(store_key, b"names")
        self._random = _random

    def blob_name(self, case_id: str, version: str) -> str:
        """File name of one version of a case (40 hex digits): keyed, so it reveals no case id."""
        msg = case_id.encode() + b"\x00" + version.encode()
        return hmac.new(self._names, msg, hashlib.sha256).hexdigest()[:40]

    def seal_index(self, data: bytes) -> bytes:
        """Seal the store's index."""
        return self._seal(self._index, data, b"index")

    def open_index(self, blob: bytes) -> bytes:
        """Open the store's index; DecryptionError if it is not one sealed under this key."""
        return _open(self._index, blob, b"index")

    def seal_case(self, name: str, data: bytes) -> bytes:
        """Seal one case file, bound to its file ``name``."""
        return self._seal(self._case, data, b"case\x00" + name.encode())

    def open_case(self, name: str, blob: bytes) -> bytes:
        """Open the case file stored as ``name``; DecryptionError if moved, altered or foreign."""
        return _open(self._case, blob, b"case\x00" + name.encode())

    def _seal(self, aead: AESGCM, data: bytes, aad: bytes) -> bytes:
        nonce = self._random(_NONCE)
        return MAGIC + nonce + aead.encrypt(nonce, data, aad)


def _sub(key: bytes, purpose: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, None, _LABEL + purpose).derive(key)


def _open(aead: AESGCM, blob: bytes, aad: bytes) -> bytes:
    head = len(MAGIC) + _NONCE
    if len(blob) < head + _TAG or blob[: len(MAGIC)] != MAGIC:
        raise DecryptionError()
    try:
        return aead.decrypt(blob[len(MAGIC) : head], blob[head:], aad)
    except InvalidTag as exc:
        raise DecryptionError() from exc
