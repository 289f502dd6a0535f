"""The reviewer's sealed case store files (crypto/SPEC.md §11.2): what a laptop reads back from
its disk. Documented refusal: DecryptionError."""

from __future__ import annotations

from crypto import storeseal
from crypto.errors import DecryptionError
from fuzz.common import refusing, seed_bytes

KEYS = storeseal.StoreKeys(seed_bytes("store key"))


def check(data: bytes) -> None:
    with refusing(DecryptionError):
        KEYS.open_index(data)
    with refusing(DecryptionError):
        KEYS.open_case(KEYS.blob_name("case01", "1"), data)


def seeds() -> list[bytes]:
    return [KEYS.seal_index(b'{"cases":{}}'), KEYS.seal_case(KEYS.blob_name("case01", "1"), b"{}")]
