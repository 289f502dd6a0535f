"""The case store's sealing: :mod:`crypto.storeseal` (SPEC §11.2), with the store's errors.

A file that does not open is a damaged store to the reviewer (``StoreError``), whatever the
reason; the format and its guarantees are crypto's.
"""

from __future__ import annotations

from crypto import storeseal
from crypto.errors import DecryptionError

from ..errors import StoreError

MAGIC = storeseal.MAGIC


class StoreKeys(storeseal.StoreKeys):
    """:class:`crypto.storeseal.StoreKeys` whose failures to open are ``err.store_damaged``."""

    def open_index(self, blob: bytes) -> bytes:
        """Open the index; StoreError ``err.store_damaged`` if it does not open."""
        try:
            return super().open_index(blob)
        except DecryptionError as exc:
            raise StoreError("err.store_damaged") from exc

    def open_case(self, name: str, blob: bytes) -> bytes:
        """Open a case file; StoreError ``err.store_damaged`` if it does not open."""
        try:
            return super().open_case(name, blob)
        except DecryptionError as exc:
            raise StoreError("err.store_damaged") from exc
