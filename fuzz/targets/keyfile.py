"""The reviewer's key files (crypto/SPEC.md §11.1), read from the laptop's disk or a USB stick.
Documented refusals: FormatError, PassphraseError.

While fuzzing, Argon2id runs for real only at the ``test`` cost; any other accepted cost is
answered by a fixed-cost stand-in, because one mutated file within the accepted range (up to
4 GiB and 32 passes) would make one execution take minutes. The stand-in sits exactly where
the real KDF does, so everything before it (parsing, the cost check) and after it (the AEAD
over the authenticated header) runs unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from crypto import keyfile
from crypto.errors import FormatError, PassphraseError
from fuzz.common import refusing

LABEL = "reviewer-signing"
_real_derive = keyfile._derive  # the one seam replaced (docstring)


def _bounded_derive(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    if (opslimit, memlimit) == keyfile.PROFILES["test"]:
        return _real_derive(passphrase, salt, opslimit, memlimit)
    return hashlib.blake2b(salt + passphrase.encode(), digest_size=32).digest()


@contextmanager
def _bounded_kdf() -> Iterator[None]:
    """The stand-in for one call only (the regression test runs targets in pytest's process,
    where every other test needs the real KDF)."""
    keyfile._derive = _bounded_derive
    try:
        yield
    finally:
        keyfile._derive = _real_derive


def check(data: bytes) -> None:
    with _bounded_kdf(), refusing(FormatError, PassphraseError):
        keyfile.open_secret(data, "fuzz passphrase", label=LABEL)
    with refusing(FormatError):
        keyfile.profile_of(data)


def seeds() -> list[bytes]:
    sealed = keyfile.seal_secret(
        b"\x01" * 32,
        "fuzz passphrase",
        label=LABEL,
        profile="test",
        _salt=b"\x02" * 16,
        _nonce=b"\x03" * 24,
    )
    return [sealed, sealed.replace(b"reviewer-signing", b"root-signing")]
