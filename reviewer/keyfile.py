"""Secrets sealed under a passphrase: Argon2id, then XChaCha20-Poly1305.

File format (JSON)::

    {"bisik": "reviewer-key/v1", "label": L,
     "kdf": {"alg": "argon2id13", "opslimit": N, "memlimit": M, "salt": b64u(16)},
     "aead": "xchacha20poly1305", "nonce": b64u(24), "ct": b64u}

The additional data of the AEAD is the canonical JSON of every field except ``ct``, so the
KDF parameters and the label are authenticated: lowering them in the file makes it unopenable
instead of weaker. Before any Argon2id run the parameters must also lie between ``FLOOR``
(libsodium's "moderate") and ``CEILING``, except the exact ``test`` profile, so an edited file
can neither be accepted with weak parameters nor hang the laptop with huge ones.
The parameters live in the file, so the cost can be raised later and tests
can write files with the minimal profile. A wrong passphrase and an altered file whose
parameters are in bounds fail the same way (:class:`WrongPassphrase`): the tool cannot tell
them apart and does not pretend to; parameters out of bounds are a FormatError (no secret is
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

from crypto.encoding import b64u_decode, b64u_encode, canonical_json, parse_json_object
from crypto.errors import FormatError

from .errors import UsageError, WrongPassphrase

FORMAT = "reviewer-key/v1"
_A = nacl.pwhash.argon2id
# Offline use can afford the strongest libsodium preset (1 GiB, 4 passes, about 2-4 s).
PROFILES: dict[str, tuple[int, int]] = {
    "sensitive": (_A.OPSLIMIT_SENSITIVE, _A.MEMLIMIT_SENSITIVE),
    "moderate": (_A.OPSLIMIT_MODERATE, _A.MEMLIMIT_MODERATE),
    "test": (_A.OPSLIMIT_MIN, _A.MEMLIMIT_MIN),  # tests only: hidden --kdf-profile test
}
DEFAULT_PROFILE = "sensitive"
MIN_PASSPHRASE = 8
# What a key file may ask for when it is opened. The parameters come from the file, so they
# are attacker-controlled until the AEAD tag checks (which needs the derived key first):
# below the floor a file would be cheap to brute-force if it were ever accepted, above the
# ceiling one Argon2id run would hang the laptop or exhaust its memory. The exact ``test``
# profile is the one exception to the floor (tests and the demo write it on purpose).
FLOOR = PROFILES["moderate"]  # 3 passes, 256 MiB
CEILING = (32, 4 << 30)  # 32 passes, 4 GiB


def _normalise(passphrase: str) -> bytes:
    # NFC so the same words typed on two keyboards give the same bytes.
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def _derive(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    try:
        key: bytes = _A.kdf(32, _normalise(passphrase), salt, opslimit=opslimit, memlimit=memlimit)
    except (nacl.exceptions.RuntimeError, nacl.exceptions.ValueError) as exc:
        raise WrongPassphrase() from exc
    return key


def check_new_passphrase(passphrase: str) -> None:
    """Refuse passphrases too short to resist guessing even behind Argon2id."""
    if len(passphrase.strip()) < MIN_PASSPHRASE:
        raise UsageError("err.passphrase_short", n=MIN_PASSPHRASE)


def seal_secret(secret: bytes, passphrase: str, *, label: str, profile: str = DEFAULT_PROFILE,
                _salt: bytes | None = None, _nonce: bytes | None = None) -> bytes:  # fmt: skip
    """Encrypt ``secret`` under ``passphrase``; returns the key-file bytes.

    Cost: one Argon2id run at ``profile`` (seconds and 1 GiB at "sensitive").
    """
    if profile not in PROFILES:
        raise UsageError("err.kdf_profile", profile=profile)
    opslimit, memlimit = PROFILES[profile]
    salt = _salt or secrets.token_bytes(_A.SALTBYTES)
    nonce = _nonce or secrets.token_bytes(24)
    head: dict[str, Any] = {
        "bisik": FORMAT, "label": label, "aead": "xchacha20poly1305", "nonce": b64u_encode(nonce),
        "kdf": {"alg": "argon2id13", "opslimit": opslimit, "memlimit": memlimit,
                "salt": b64u_encode(salt)},
    }  # fmt: skip
    key = _derive(passphrase, salt, opslimit, memlimit)
    ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(secret, canonical_json(head), nonce, key)
    return canonical_json({**head, "ct": b64u_encode(ct)})


def open_secret(data: bytes, passphrase: str, *, label: str) -> bytes:
    """Decrypt a key file; WrongPassphrase if the passphrase is wrong or the file was altered."""
    head = parse_json_object(data, max_size=1 << 16)
    try:
        if head.get("bisik") != FORMAT or head.get("label") != label:
            raise FormatError("not a Bisik reviewer key file of this kind")
        ct = b64u_decode(head.pop("ct"))
        kdf = head["kdf"]
        salt = b64u_decode(kdf["salt"], length=_A.SALTBYTES)
        opslimit, memlimit = kdf["opslimit"], kdf["memlimit"]
        nonce = b64u_decode(head["nonce"], length=24)
    except (KeyError, TypeError, ValueError) as exc:
        raise FormatError("incomplete key file") from exc
    if kdf.get("alg") != "argon2id13" or head.get("aead") != "xchacha20poly1305":
        raise FormatError("unknown key-file algorithm")
    check_cost(opslimit, memlimit)
    key = _derive(passphrase, salt, opslimit, memlimit)
    try:
        secret: bytes = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
            ct, canonical_json(head), nonce, key
        )
    except nacl.exceptions.CryptoError as exc:
        raise WrongPassphrase() from exc
    return secret


def check_cost(opslimit: object, memlimit: object) -> None:
    """FormatError unless the Argon2id cost is the ``test`` profile or within FLOOR..CEILING.

    Runs before any Argon2id work, so a tampered file can neither make the tool accept weak
    parameters nor make one unlock take hours or all the memory.
    """
    if type(opslimit) is not int or type(memlimit) is not int:
        raise FormatError("key-file KDF parameters must be integers")
    if (opslimit, memlimit) == PROFILES["test"]:
        return
    if not (FLOOR[0] <= opslimit <= CEILING[0] and FLOOR[1] <= memlimit <= CEILING[1]):
        raise FormatError("key-file KDF parameters outside the accepted range")


def kdf_profile_of(data: bytes) -> str | None:
    """The profile name whose parameters a key file uses (None if custom)."""
    head = parse_json_object(data, max_size=1 << 16)
    try:
        params = (int(head["kdf"]["opslimit"]), int(head["kdf"]["memlimit"]))
    except (KeyError, TypeError, ValueError):
        return None
    return next((name for name, p in PROFILES.items() if p == params), None)
