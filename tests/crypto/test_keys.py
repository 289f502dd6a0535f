"""Keys (crypto.keys, SPEC §2): secret bytes round trip, fingerprints."""

from __future__ import annotations

import pytest

from crypto import keys
from crypto.errors import FormatError


def test_key_pair_secret_bytes_round_trip_and_fingerprint_shape() -> None:
    pair = keys.KeyPair.generate()
    again = keys.KeyPair.from_secret_bytes(pair.to_secret_bytes())
    assert again.public.to_json() == pair.public.to_json()
    assert keys.PublicKeys.from_json(pair.public.to_json()).fingerprint == pair.public.fingerprint
    groups = pair.public.fingerprint.split(" ")
    assert len(groups) == 8 and all(len(g) == 5 and g.isdigit() for g in groups)
    with pytest.raises(FormatError):
        keys.KeyPair.from_secret_bytes(b"short")
