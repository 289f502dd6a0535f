"""Envelope reader (crypto/SPEC.md §3.7): unseal, header MAC, recipients, verified header MAC.

Documented refusal: DecryptionError, for every malformed, truncated or altered envelope.
"""

from __future__ import annotations

import io

from crypto import envelope
from crypto.errors import DecryptionError
from fuzz.common import refusing, x_key

KEY = x_key("envelope reader")
OTHER = x_key("envelope other")


def check(data: bytes) -> None:
    with refusing(DecryptionError):
        envelope.unseal(data, KEY, max_size=1 << 20)
    with refusing(DecryptionError):
        envelope.header_mac(io.BytesIO(data))
    with refusing(DecryptionError):
        envelope.recipient_ids(io.BytesIO(data))
    with refusing(DecryptionError):
        envelope.open_header_mac(io.BytesIO(data), KEY)


def seeds() -> list[bytes]:
    both = [KEY.public_key(), OTHER.public_key()]
    return [
        envelope.seal(b"", [KEY.public_key()]),
        envelope.seal(b"x" * 70_000, both),
        envelope.seal(b"laporan", both[::-1]),
    ]
