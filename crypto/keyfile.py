"""Secrets sealed under a passphrase: Argon2id, then XChaCha20-Poly1305 (SPEC §11.1).

The reviewer's private keys and the organisation's root key rest on the laptop in this form.
File format (canonical JSON)::

    {"bisik": "reviewer-key/v1", "label": L,
     "kdf": {"alg": "argon2id13", "opslimit": N, "memlimit": M, "salt": b64u(16)},
     "aead": "xchacha20poly1305", "nonce": b64u(24), "ct": b64u}

The additional data of the AEAD is the canonical JSON of every field except ``ct``, so the
KDF parameters and the label are authenticated: lowering them in the file makes it unopenable
instead of weaker. Before any Argon2id run the parameters must also lie between :data:`FLOOR`
(libsodium's "moderate") and :data:`CEILING`, except the exact ``test`` profile, so an edited
file can neither be accepted with weak parameters nor hang the laptop with huge ones. A wrong
passphrase and an altered file whose parameters are in bounds fail the same way
(:class:`~crypto.errors.PassphraseError`): nobody can tell them apart, and the code does not
pretend to. Parameters out of bounds are a :class:`~crypto.errors.FormatError` (no secret is
involved in that check, so it tells an attacker nothing they did not write themselves).

Leaks: the label (what kind of key it is) and the KDF cost; nothing about the secret.
"""

from __future__ import annotations

import secrets
import unicodedata
from typing import Any

import nacl.bindings as sodium
import nacl.exceptions
import nacl.pwhash

from .encoding import b64u_decode, b64u_encode, canonical_json, parse_json_object
from .errors import FormatError, PassphraseError

__all__ = [
    "CEILING",
    "DEFAULT_PROFILE",
    "FLOOR",
    "FORMAT",
    "PROFILES",
    "check_cost",
    "open_secret",
    "profile_of",
    "seal_secret",
]

FORMAT = "reviewer-key/v1"
_A = nacl.pwhash.argon2id
MAX_FILE = 1 << 16
PROFILES: dict[str, tuple[int, int]] = {
    "sensitive": (_A.OPSLIMIT_SENSITIVE, _A.MEMLIMIT_SENSITIVE),  # 1 GiB, 4 passes, ~2-4 s
    "moderate": (_A.OPSLIMIT_MODERATE, _A.MEMLIMIT_MODERATE),
    "test": (_A.OPSLIMIT_MIN, _A.MEMLIMIT_MIN),  # tests and the demo only
}
"""Named Argon2id costs ``(opslimit, memlimit)``; a file records the numbers, not the name."""

DEFAULT_PROFILE = "sensitive"
"""Offline use can afford libsodium's strongest preset."""

# What a file may ask for when it is opened. The parameters come from the file, so they are
# attacker-controlled until the AEAD tag checks (which needs the derived key first): below the
# floor a file would be cheap to brute-force if it were ever accepted, above the ceiling one
# Argon2id run would hang the laptop or exhaust its memory.
FLOOR = PROFILES["moderate"]  # 3 passes, 256 MiB
CEILING = (32, 4 << 30)  # 32 passes, 4 GiB


def _normalise(passphrase: str) -> bytes:
    # NFC so the same words typed on two keyboards give the same bytes.
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def _derive(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    try:
        key: bytes = _A.kdf(32, _normalise(passphrase), salt, opslimit=opslimit, memlimit=memlimit)
    except (nacl.exceptions.RuntimeError, nacl.exceptions.ValueError) as exc:
        raise PassphraseError() from exc
    return key


def seal_secret(
    secret: bytes,
    passphrase: str,
    *,
    label: str,
    profile: str = DEFAULT_PROFILE,
    _salt: bytes | None = None,
    _nonce: bytes | None = None,
) -> bytes:
    """Encrypt ``secret`` under ``passphrase``; return the file's bytes.

    ``profile`` names a :data:`PROFILES` entry (ValueError otherwise). Cost: one Argon2id run
    (seconds and 1 GiB at "sensitive"). ``_salt`` and ``_nonce`` are the seam for vectors.
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown KDF profile {profile!r}")
    opslimit, memlimit = PROFILES[profile]
    salt = _salt or secrets.token_bytes(_A.SALTBYTES)
    nonce = _nonce or secrets.token_bytes(24)
    head: dict[str, Any] = {
        "bisik": FORMAT,
        "label": label,
        "aead": "xchacha20poly1305",
        "nonce": b64u_encode(nonce),
        "kdf": {
            "alg": "argon2id13",
            "opslimit": opslimit,
            "memlimit": memlimit,
            "salt": b64u_encode(salt),
        },
    }
    key = _derive(passphrase, salt, opslimit, memlimit)
    ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(secret, canonical_json(head), nonce, key)
    return canonical_json({**head, "ct": b64u_encode(ct)})


def open_secret(data: bytes, passphrase: str, *, label: str) -> bytes:
    """Decrypt a file of kind ``label``.

    FormatError if it is not such a file or its cost is out of bounds (checked before any
    Argon2id work); PassphraseError if the passphrase is wrong or the file was altered.
    """
    head = parse_json_object(data, max_size=MAX_FILE)
    try:
        if head.get("bisik") != FORMAT or head.get("label") != label:
            raise FormatError("not a Bisik key file of this kind")
        ct = b64u_decode(head.pop("ct"))
        kdf = head["kdf"]
        salt = b64u_decode(kdf["salt"], length=_A.SALTBYTES)
        opslimit, memlimit = kdf["opslimit"], kdf["memlimit"]
        nonce = b64u_decode(head["nonce"], length=24)
    except (KeyError, TypeError, ValueError) as exc:
        raise FormatError("incomplete key file") from exc
    if kdf.get("alg") != "argon2id13" or head.get("aead") != "xchacha20poly1305":
        raise FormatError("unknown key-file algorithm")
    if len(ct) < sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES:
        # shorter than its tag: libsodium's binding would raise a bare ValueError (fuzz
        # regression keyfile/ct-shorter-than-tag)
        raise FormatError("truncated key file")
    check_cost(opslimit, memlimit)
    key = _derive(passphrase, salt, opslimit, memlimit)
    try:
        secret: bytes = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
            ct, canonical_json(head), nonce, key
        )
    except nacl.exceptions.CryptoError as exc:
        raise PassphraseError() from exc
    return secret


def check_cost(opslimit: object, memlimit: object) -> None:
    """FormatError unless the Argon2id cost is the ``test`` profile or within FLOOR..CEILING.

    Runs before any Argon2id work, so a tampered file can neither make a reader accept weak
    parameters nor make one unlock take hours or all the memory.
    """
    if type(opslimit) is not int or type(memlimit) is not int:
        raise FormatError("key-file KDF parameters must be integers")
    if (opslimit, memlimit) == PROFILES["test"]:
        return
    if not (FLOOR[0] <= opslimit <= CEILING[0] and FLOOR[1] <= memlimit <= CEILING[1]):
        raise FormatError("key-file KDF parameters outside the accepted range")


def profile_of(data: bytes) -> str | None:
    """The :data:`PROFILES` name whose cost a file records (None if custom or unreadable)."""
    head = parse_json_object(data, max_size=MAX_FILE)
    kdf = head.get("kdf")
    if not isinstance(kdf, dict):
        return None
    params = (kdf.get("opslimit"), kdf.get("memlimit"))
    if any(type(p) is not int for p in params):  # as check_cost: 1e999 or "3" name no profile
        return None
    return next((name for name, p in PROFILES.items() if p == params), None)
