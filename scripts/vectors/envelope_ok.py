"""``envelope-ok-*``: envelopes the normal sealer makes, with the seal inputs that reproduce
them byte for byte (padding edges, chunk edges, several recipients).
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
)

from crypto._padding import padded_length
from scripts.vectors._envelopes import Sealed, envelope_ok
from scripts.vectors.common import ALICE, BUDI, CHUNK, Vector, det


def vectors() -> dict[str, Vector]:
    """The envelopes a reader must open, each with its plaintext hash and header MAC."""
    vs: dict[str, Vector] = {}

    def one(
        name: str, comment: str, plain: bytes, recips: list[X25519PrivateKey], who: X25519PrivateKey
    ) -> None:
        s = Sealed(name, plain, recips)
        vs[f"envelope-ok-{name}"] = envelope_ok(comment, s.envelope, who, plain, s.seal_inputs())

    one(
        "empty",
        "Empty data: one chunk of 1024 bytes of padding (0x80 then zeros).",
        b"",
        [ALICE],
        ALICE,
    )
    one("one-byte", "One byte of data, padded to the 1024-byte floor.", b"\x42", [ALICE], ALICE)
    one(
        "pad-1023",
        "1023 bytes: data + marker fill the 1024-byte floor exactly, no zeros.",
        det("pad-1023", 1023),
        [ALICE],
        ALICE,
    )
    one(
        "pad-1024",
        "1024 bytes: one past the floor, Padmé rounds 1025 up to 1088.",
        det("pad-1024", 1024),
        [ALICE],
        ALICE,
    )
    one(
        "pad-2047",
        "2047 bytes: data + marker is 2048, already a Padmé value (no zeros).",
        det("pad-2047", 2047),
        [ALICE],
        ALICE,
    )
    one(
        "pad-2048",
        f"2048 bytes: Padmé rounds 2049 up to {padded_length(2048)}.",
        det("pad-2048", 2048),
        [ALICE],
        ALICE,
    )
    one(
        "chunk-minus-1",
        "65535 bytes: data + marker fill exactly one full 64 KiB chunk, "
        "which is the last chunk (the marker is its final byte).",
        det("c-1", CHUNK - 1),
        [ALICE],
        ALICE,
    )
    one(
        "exactly-64k",
        "Exactly 65536 bytes of data: a full first chunk of data, and a "
        "second (last) chunk holding only the marker and 2047 zeros (padded 67584).",
        det("64k", CHUNK),
        [ALICE],
        ALICE,
    )
    one(
        "multi-chunk",
        "131172 bytes (2 × 64 KiB + 100): three chunks, padded to 135168.",
        det("multi", 2 * CHUNK + 100),
        [ALICE],
        ALICE,
    )
    one(
        "zeros-span-chunks",
        "1000 random bytes then 140000 zero bytes: the data's own "
        "trailing zeros fill a whole middle chunk and run into the padding; a reader must "
        "not mistake them for padding (the last non-zero byte must be the 0x80 marker).",
        det("zeros", 1000) + bytes(140000),
        [ALICE],
        ALICE,
    )
    plain = b"Dua penelaah, satu amplop. Two reviewers, one envelope."
    one(
        "two-recipients-first",
        "Two recipients; opened with the first one's key.",
        plain,
        [ALICE, BUDI],
        ALICE,
    )
    one(
        "two-recipients-second",
        "Two recipients; opened with the second one's key.",
        plain,
        [ALICE, BUDI],
        BUDI,
    )
    return vs
