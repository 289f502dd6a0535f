"""Keyless header inspection (crypto/SPEC.md §3.9), what the intake and the bundle reader run
on envelopes they cannot open. Documented refusal: FormatError."""

from __future__ import annotations

from crypto import envelope, inspection
from crypto.errors import FormatError
from fuzz.common import refusing, x_key


def check(data: bytes) -> None:
    with refusing(FormatError):
        info = inspection.inspect_header(data)
        info.plausible_size(len(data))
        assert len(info.mac) == 32 and info.length <= len(data)
    inspection.plausible_size(len(data), len(data) // 3)


def seeds() -> list[bytes]:
    keys = [x_key(f"header {i}").public_key() for i in range(3)]
    return [envelope.seal(b"isi", keys[:1])[:400], envelope.seal(b"", keys)]
