"""Signed objects (crypto.signed, SPEC §4): size limit and kinds."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto import signed
from crypto.errors import FormatError

ROOT = Ed25519PrivateKey.generate()


def test_regression_signed_container_limit_matches_spec() -> None:
    """SPEC §4: a container larger than 4 MiB is rejected (the code allowed 8 MiB)."""
    big = (
        signed.Signed("status", "0" * 32, b"{}", bytes(64)).to_bytes()[:-1]
        + b" " * (signed.MAX_SIGNED)
        + b"}"
    )
    with pytest.raises(FormatError):
        signed.parse(big)


def test_signed_sign_refuses_unknown_kind() -> None:
    with pytest.raises(ValueError):
        signed.sign(ROOT, "letter", {})
