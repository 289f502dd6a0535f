"""Signed objects (crypto.signed, SPEC §4): size limit and kinds."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from crypto import signed
from crypto.errors import FormatError, SignatureError

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


_ED = Ed25519PrivateKey.from_private_bytes(bytes(32))


@settings(max_examples=60, deadline=None)
@given(
    body=st.dictionaries(
        st.text(max_size=10), st.text(max_size=30) | st.integers(-5, 5), max_size=6
    ),
    kind=st.sampled_from(sorted(signed.KINDS)),
)
def test_signed_round_trip(body: dict[str, object], kind: str) -> None:
    obj = signed.sign(_ED, kind, body)
    assert signed.parse(obj.to_bytes()).verify(_ED.public_key(), kind) == body
    assume(kind != "status")
    with pytest.raises(SignatureError):
        signed.parse(obj.to_bytes()).verify(_ED.public_key(), "status")
