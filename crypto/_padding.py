"""Padmé length padding (Nikitin et al., PETS 2019) with a floor for small payloads.

An envelope's plaintext is padded to ``padded_length(n)`` bytes so the ciphertext size leaks
O(log log n) bits of the true size instead of all of it. Padmé's overhead is at most 12 %
and falls as sizes grow (≤ 3.2 % at 1 GiB).
"""

from __future__ import annotations

MIN_PADDED = 1024  # every envelope holds at least this much: short texts all look alike
PAD_MARKER = 0x80  # ISO/IEC 7816-4: data ‖ 0x80 ‖ 0x00…; the marker makes the length exact


def padme(length: int) -> int:
    """Return the Padmé target for ``length`` (≥ 1): keep the top bits, round the rest up."""
    if length < 2:
        return length
    exponent = length.bit_length() - 1
    sig_bits = exponent.bit_length()
    low_bits = exponent - sig_bits
    mask = (1 << low_bits) - 1
    return (length + mask) & ~mask


def padded_length(data_length: int) -> int:
    """Total plaintext bytes inside an envelope holding ``data_length`` bytes of data."""
    if data_length < 0:
        raise ValueError("negative length")
    return max(MIN_PADDED, padme(data_length + 1))
