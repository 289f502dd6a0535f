"""The reviewer's key file (``reviewer.keyfile``): KDF parameters outside the bounds are refused
before Argon2id runs, and parameters changed within them do not open the file."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from crypto.encoding import canonical_json
from crypto.errors import FormatError
from reviewer import keyfile
from reviewer.errors import WrongPassphrase

from .helpers import PASSPHRASE


def _sealed_keyfile(opslimit: Any, memlimit: Any) -> bytes:
    """A test-profile key file whose KDF parameters were edited (as an attacker could)."""
    data = keyfile.seal_secret(b"s" * 32, PASSPHRASE, label="reviewer", profile="test")
    obj = json.loads(data)
    obj["kdf"]["opslimit"], obj["kdf"]["memlimit"] = opslimit, memlimit
    return canonical_json(obj)


@pytest.mark.parametrize(
    "ops,mem",
    [
        (1, 64 << 10),  # weaker than the floor, and not the test profile
        (2, 64 << 20),  # libsodium "interactive": below the floor
        (1 << 31, 64 << 20),  # would run for hours
        (3, 1 << 42),  # would ask for 4 TiB
        ("3", 256 << 20),  # not an integer
        (True, 256 << 20),
    ],
)
def test_keyfile_kdf_parameters_outside_bounds_are_refused_before_argon2(
    ops: Any, mem: Any
) -> None:
    """Audit F7 (docs/AUDIT-reviewer.md). Bug: the Argon2id cost was taken from the file
    unchecked: an edited file could make one unlock hang or exhaust memory, and nothing stopped
    weak custom parameters."""
    data = _sealed_keyfile(ops, mem)
    start = time.perf_counter()
    with pytest.raises(FormatError):
        keyfile.open_secret(data, PASSPHRASE, label="reviewer")
    assert time.perf_counter() - start < 1.0  # refused before any Argon2id work


def test_keyfile_parameters_changed_within_bounds_do_not_open() -> None:
    """Audit F7: raising or lowering the stored cost (within bounds) never yields a key: the
    parameters are bound into the AEAD and into the derived key, so an edited file fails to
    open."""
    data = _sealed_keyfile(3, 256 << 20)  # was sealed with the test profile
    with pytest.raises(WrongPassphrase):
        keyfile.open_secret(data, PASSPHRASE, label="reviewer")
    untouched = keyfile.seal_secret(b"s" * 32, PASSPHRASE, label="reviewer", profile="test")
    assert keyfile.open_secret(untouched, PASSPHRASE, label="reviewer") == b"s" * 32
