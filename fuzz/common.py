"""What every harness shares: the fixed keys its seeds are made with, and the rule for errors.

A harness's ``check(data)`` feeds one input to a parser and lets only that parser's
documented error types through (``refusing``); anything else propagates, and atheris records
the input as a crash. Keys are derived from fixed labels so seeds and regression inputs replay
the same way on every machine.
"""

from __future__ import annotations

import atexit
import datetime as dt
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from crypto.directory import Directory, Reviewer, sign_directory, verify_directory
from crypto.keys import KeyPair, PublicKeys, key_id
from crypto.signed import Signed

TODAY = dt.date(2026, 11, 29)


def seed_bytes(label: str, n: int = 32) -> bytes:
    return hashlib.sha256(b"bisik fuzz\x00" + label.encode()).digest()[:n]


def x_key(label: str) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(seed_bytes("x25519 " + label))


def ed_key(label: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed_bytes("ed25519 " + label))


def pair(label: str) -> KeyPair:
    return KeyPair(x_key(label), ed_key(label))


ROOT = ed_key("root")
SERVER = ed_key("server")
REVIEWERS = {"ani": pair("ani"), "budi": pair("budi")}


@cache
def directory_bytes() -> bytes:
    entries = [
        Reviewer(
            rid,
            rid.title(),
            "lead" if rid == "ani" else "reviewer",
            PublicKeys(kp.encryption.public_key(), kp.signing.public_key()),
            dt.date(2026, 1, 1),
            dt.date(2027, 12, 31),
        )
        for rid, kp in REVIEWERS.items()
    ]
    return sign_directory(
        ROOT, "Bisik Fuzz", 1, dt.date(2027, 12, 31), entries, SERVER.public_key(), []
    )


@cache
def directory() -> Directory:
    return verify_directory(directory_bytes(), ROOT.public_key(), TODAY)


def _signed_message(kind: str, body: bytes) -> bytes:
    """What an Ed25519 signature of a ``kind`` object covers (crypto/SPEC.md §4)."""
    return b"bisik/v1 signed\x00" + kind.encode() + b"\x00" + body


def signed_container(key: Ed25519PrivateKey, kind: str, body: bytes) -> bytes:
    """A ``signed/v1`` container of ``kind`` whose body is ``body`` exactly as the fuzzer made
    it (no JSON check, unlike :func:`crypto.signed.sign`), signed by ``key``: mutations get
    past the signature and reach the body rules behind it."""
    signer = key_id(key.public_key()).hex()
    return Signed(kind, signer, body, key.sign(_signed_message(kind, body))).to_bytes()


@contextmanager
def refusing(*allowed: type[BaseException]) -> Iterator[None]:
    """Let the documented refusals through; any other exception is a bug (a crash)."""
    with suppress(allowed):
        yield


def scratch_dir(prefix: str) -> Path:
    """A fresh directory for a target's files: inside BISIK_FUZZ_TMP when the runner set it
    (the runner removes that when the target ends: libFuzzer exits without running atexit
    handlers), else in /dev/shm or the temp dir, removed when the process exits."""
    parent = os.environ.get("BISIK_FUZZ_TMP")
    if parent:
        return Path(tempfile.mkdtemp(dir=parent, prefix=prefix))
    shm = Path("/dev/shm")
    made = Path(tempfile.mkdtemp(dir=shm if shm.is_dir() else None, prefix="bisik-" + prefix))
    atexit.register(shutil.rmtree, made, True)
    return made


Check = Callable[[bytes], None]
