"""Padmé padding (crypto._padding, SPEC §3.5): known targets and the overhead bound."""

from __future__ import annotations

import pytest

from crypto._padding import padded_length, padme
from crypto._stream import CHUNK


def test_padme_known_values_and_overhead() -> None:
    assert [padded_length(n) for n in (0, 1, 1023, 1024, 2047, 2048, CHUNK - 1, CHUNK)] == [
        1024,
        1024,
        1024,
        1088,
        2048,
        2176,
        65536,
        67584,
    ]
    assert padme(1 << 30) == 1 << 30
    assert padme((1 << 30) + 1) == (1 << 30) + (1 << 25)
    for n in range(2, 200_000, 997):
        p = padme(n)
        assert n <= p <= n * 1.12
    with pytest.raises(ValueError):
        padded_length(-1)
