"""The reviewer's passphrase-sealed key files: :mod:`crypto.keyfile` (SPEC §11.1), with the
reviewer's passphrase rule and errors.

The format, its KDF bounds and what it leaks are crypto's; here a failed unlock becomes
:class:`~reviewer.errors.WrongPassphrase` and an unknown profile a usage error, both with
catalogue text.
"""

from __future__ import annotations

from crypto import keyfile as _format
from crypto.errors import PassphraseError

from .errors import UsageError, WrongPassphrase

FORMAT = _format.FORMAT
PROFILES = _format.PROFILES
DEFAULT_PROFILE = _format.DEFAULT_PROFILE
FLOOR = _format.FLOOR
CEILING = _format.CEILING
check_cost = _format.check_cost
kdf_profile_of = _format.profile_of
MIN_PASSPHRASE = 8


def check_new_passphrase(passphrase: str) -> None:
    """Refuse passphrases too short to resist guessing even behind Argon2id."""
    if len(passphrase.strip()) < MIN_PASSPHRASE:
        raise UsageError("err.passphrase_short", n=MIN_PASSPHRASE)


def seal_secret(
    secret: bytes, passphrase: str, *, label: str, profile: str = DEFAULT_PROFILE
) -> bytes:
    """Encrypt ``secret`` under ``passphrase`` (:func:`crypto.keyfile.seal_secret`)."""
    if profile not in PROFILES:
        raise UsageError("err.kdf_profile", profile=profile)
    return _format.seal_secret(secret, passphrase, label=label, profile=profile)


def open_secret(data: bytes, passphrase: str, *, label: str) -> bytes:
    """Decrypt a key file; WrongPassphrase if the passphrase is wrong or the file was altered,
    FormatError if it is not a key file of this kind or its cost is out of bounds."""
    try:
        return _format.open_secret(data, passphrase, label=label)
    except PassphraseError as exc:
        raise WrongPassphrase() from exc
