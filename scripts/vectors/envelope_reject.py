"""``envelope-reject-*``: envelopes that break exactly one rule of SPEC §3 (flipped bytes,
dropped or reordered chunks, low-order HPKE shares, a key-commitment break) and must all fail
with the one DecryptionError.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)

from crypto import _header as header
from crypto._padding import padded_length
from scripts.vectors._envelopes import (
    Sealed,
    envelope_bad,
    envelope_ok,
    flip,
    low_order_stanza,
    pad,
    raw_header,
    raw_payload,
    seal_chunk,
    stanza,
)
from scripts.vectors._salamander import two_key_chunk
from scripts.vectors.common import (
    ALICE,
    BUDI,
    CHUNK,
    CITRA,
    CT_CHUNK,
    P25519,
    Vector,
    det,
    require,
    x_key,
)


def vectors() -> dict[str, Vector]:
    """The envelopes a reader must refuse, each breaking the rule its comment names."""
    vs: dict[str, Vector] = {}
    multi = Sealed("reject-base", det("reject-base", 2 * CHUNK + 100), [ALICE])
    head, ch = multi.head, multi.chunks()
    require(len(ch) == 3 and len(ch[2]) < CT_CHUNK, "reject base must have 3 chunks")

    def bad(name: str, comment: str, env: bytes, who: X25519PrivateKey = ALICE) -> None:
        vs[f"envelope-reject-{name}"] = envelope_bad(comment, env, who)

    base = "Base: the 3-chunk envelope of 131172 bytes to alice. "
    bad(
        "truncated-at-chunk-boundary",
        base + "The last chunk is dropped: chunk 1 was sealed "
        "with last flag 0, so the reader must not accept it as final.",
        head + ch[0] + ch[1],
    )
    bad("truncated-after-first-chunk", base + "Only the first chunk is left.", head + ch[0])
    bad(
        "truncated-mid-chunk",
        base + "Cut in the middle of chunk 1.",
        head + ch[0] + ch[1][: CT_CHUNK // 2],
    )
    bad(
        "truncated-mid-last-chunk",
        base + "Cut in the middle of the last chunk.",
        head + ch[0] + ch[1] + ch[2][:100],
    )
    bad(
        "truncated-last-tag-byte",
        base + "The final byte (of the last tag) is missing.",
        multi.envelope[:-1],
    )
    bad("truncated-in-header", base + "Cut inside the recipient stanza.", head[:40])
    bad("header-only", base + "A complete header and no payload at all.", head)
    bad("empty-file", "Zero bytes.", b"")
    bad(
        "trailing-byte",
        base + "One zero byte appended after the last chunk.",
        multi.envelope + b"\x00",
    )
    bad(
        "trailing-chunk-copy",
        base + "A copy of the last chunk appended after it.",
        multi.envelope + ch[2],
    )
    bad("reordered-chunks", base + "Chunks 0 and 1 swapped.", head + ch[1] + ch[0] + ch[2])
    bad(
        "duplicated-chunk",
        base + "Chunk 0 repeated: 0, 0, 1, 2.",
        head + ch[0] + ch[0] + ch[1] + ch[2],
    )
    bad(
        "duplicated-last-chunk",
        base + "The last chunk repeated: 0, 1, 2, 2.",
        multi.envelope + ch[2],
    )
    bad("chunk-dropped-middle", base + "Chunk 1 removed: 0, 2.", head + ch[0] + ch[2])

    full = Sealed("reject-full", det("reject-full", CHUNK - 1), [ALICE])
    fh, fch = full.head, full.chunks()
    require(len(fch) == 1 and len(fch[0]) == CT_CHUNK, "full base must be one full chunk")
    bad(
        "trailing-after-full-last-chunk",
        "Base: 65535 bytes, so one full last chunk. "
        "100 bytes appended after it: the reader must read past a full chunk before "
        "deciding it is last.",
        full.envelope + det("junk", 100),
    )
    padded = pad(det("reject-full", CHUNK - 1))
    empty_final = (
        fh
        + seal_chunk(full.payload_key, 0, False, padded)
        + seal_chunk(full.payload_key, 1, True, b"")
    )
    bad(
        "empty-final-chunk",
        "65535 bytes padded to one full chunk, sealed as chunk 0 with "
        "last flag 0, followed by a correctly sealed EMPTY final chunk (16-byte tag only). "
        "The payload is never empty, so an empty final chunk is always invalid.",
        empty_final,
    )

    plain = det("reject-base", 2 * CHUNK + 100)
    bad(
        "last-flag-on-first-chunk",
        base + "Re-sealed with the last flag set on chunk 0 too (0/1 flags: 1, 0, 1).",
        head + raw_payload(multi.payload_key, pad(plain), [True, False, True]),
    )
    bad(
        "no-last-flag",
        base + "Re-sealed with no chunk flagged last (flags 0, 0, 0).",
        head + raw_payload(multi.payload_key, pad(plain), [False, False, False]),
    )

    # --- header fields
    small = Sealed("reject-small", b"Laporan singkat. A short report.", [ALICE])
    sh = small.head
    sp = small.envelope[small.header_len :]
    off = header.PREFIX_LEN
    bad(
        "flipped-magic",
        "Base: a one-chunk envelope to alice. First magic byte flipped.",
        flip(small.envelope, 0),
    )
    bad("flipped-salt", "Salt byte flipped (the MAC covers it).", flip(small.envelope, 20))
    bad(
        "flipped-stanza-key-id",
        "A byte of alice's key id flipped: no stanza is hers.",
        flip(small.envelope, off + 3),
    )
    bad(
        "flipped-stanza-enc",
        "A byte of the HPKE enc (ephemeral share) flipped.",
        flip(small.envelope, off + 16 + 5),
    )
    bad(
        "flipped-stanza-wrapped-key",
        "A byte of the wrapped file key flipped.",
        flip(small.envelope, off + 48 + 7),
    )
    bad(
        "flipped-stanza-wrap-tag",
        "The last byte of the wrapped key's GCM tag flipped.",
        flip(small.envelope, off + header.STANZA_LEN - 1),
    )
    bad(
        "flipped-mac",
        "First byte of the header MAC flipped.",
        flip(small.envelope, small.header_len - 32),
    )
    bad(
        "flipped-mac-last",
        "Last byte of the header MAC flipped.",
        flip(small.envelope, small.header_len - 1),
    )
    bad("flipped-payload", "A payload byte flipped.", flip(small.envelope, small.header_len + 9))
    bad(
        "flipped-payload-tag",
        "The last byte (the chunk's GCM tag) flipped.",
        flip(small.envelope, len(small.envelope) - 1),
    )
    pair = Sealed("reject-pair", b"two", [ALICE, BUDI])
    bad(
        "flipped-other-stanza",
        "Two recipients; a byte of BUDI's stanza flipped, opened "
        "by alice: her own stanza is intact, but the header MAC covers budi's too.",
        flip(pair.envelope, off + header.STANZA_LEN + 60),
    )

    fk, salt = small.file_key, small.salt
    st = sh[off : off + header.STANZA_LEN]
    for version in (0, 2):
        bad(
            f"unknown-version-{version}",
            f"Version byte {version} with a header MAC that is "
            "correct for it: only the version check can reject it.",
            raw_header([st], fk, salt, version=version) + sp,
        )
    bad(
        "reserved-nonzero",
        "Reserved byte 0x01, header MAC correct for it.",
        raw_header([st], fk, salt, reserved=1) + sp,
    )
    bad(
        "zero-recipients",
        "Recipient count 0 and no stanza; MAC correct.",
        raw_header([], fk, salt) + sp,
    )
    many = [
        stanza(x_key(f"filler {i}").public_key(), fk, x_key(f"filler eph {i}"))
        for i in range(header.MAX_RECIPIENTS)
    ]
    bad(
        "too-many-recipients",
        f"{header.MAX_RECIPIENTS + 1} stanzas (alice's first), "
        "every one valid, MAC correct: above the limit of 32.",
        raw_header([st, *many], fk, salt) + sp,
    )
    bad(
        "count-exceeds-stanzas",
        "Count says 2 but only one stanza follows.",
        raw_header([st], fk, salt, count=2) + sp,
    )
    st2 = stanza(ALICE.public_key(), fk, x_key("dup eph"))
    bad(
        "duplicate-key-id",
        "Two stanzas with alice's key id, both wrapping the right file "
        "key, MAC correct: duplicated key ids make the header ambiguous.",
        raw_header([st, st2], fk, salt) + sp,
    )
    bad("wrong-key", "Addressed to alice only; opened with citra's key.", small.envelope, CITRA)

    # --- key commitment
    csalt = det("commit salt", 16)
    k1, k2, chunk, plain1 = two_key_chunk(csalt)
    chead = raw_header(
        [
            stanza(ALICE.public_key(), k1, x_key("commit eph a")),
            stanza(BUDI.public_key(), k2, x_key("commit eph b")),
        ],
        k1,
        csalt,
    )
    cenv = chead + chunk
    bad(
        "key-commitment-other-file-key",
        "Two stanzas: alice's wraps file key K1, budi's "
        "wraps a different K2; the header MAC is computed under K1. The single payload chunk "
        "is crafted (AES-GCM is not key-committing) to decrypt with a valid tag under BOTH "
        "payload keys, to two different plaintexts that are both canonically padded "
        "(1023 bytes + 0x80). Opened by budi: his stanza unwraps and his chunk verifies, so "
        "only the header MAC under K2 stops him from reading a different report than alice. "
        "(envelope-ok-key-commitment-first-recipient is the same envelope opened by alice.)",
        cenv,
        BUDI,
    )
    vs["envelope-ok-key-commitment-first-recipient"] = envelope_ok(
        "The envelope of envelope-reject-key-commitment-other-file-key opened by alice, "
        "whose stanza wraps the file key the MAC is computed under.",
        cenv,
        ALICE,
        plain1,
    )

    # --- low-order points as the HPKE enc
    for name, point in LOW_ORDER.items():
        require(_is_low_order(point), f"{name} is not low-order")
        lhead = raw_header([low_order_stanza(ALICE.public_key(), point, fk)], fk, salt)
        bad(
            f"low-order-enc-{name}",
            f"The stanza's HPKE enc is the low-order X25519 point "
            f"{name} ({point.hex()}). The X25519 output is then all zeros for any key, so "
            "this stanza is crafted to unwrap to the file key under that predictable secret, "
            "and the MAC and payload are valid: only the all-zero check (RFC 9180 §7.1.4) "
            "rejects it.",
            lhead + sp,
        )

    # --- non-canonical padding (header valid, chunks correctly sealed)
    pk = small.payload_key

    def padbad(name: str, comment: str, padded: bytes) -> None:
        bad(
            f"padding-{name}",
            f"Header valid, chunks correctly sealed; {comment}",
            sh + raw_payload(pk, padded),
        )

    data = b"isi laporan"
    d11 = "11 bytes of data, "
    padbad("bad-marker", d11 + "marker 0x01 instead of 0x80, total 1024.", pad(data, marker=0x01))
    padbad("marker-0xff", d11 + "marker 0xff instead of 0x80, total 1024.", pad(data, marker=0xFF))
    padbad("no-marker", "no marker at all: 1024 zero bytes.", bytes(1024))
    padbad(
        "too-long",
        d11 + "0x80 then zeros to 2048 bytes, but max(1024, padme(12)) is 1024.",
        pad(data, 2048),
    )
    padbad(
        "too-short",
        d11 + "0x80 then zeros to 1023 bytes, under the 1024-byte floor.",
        pad(data, 1023),
    )
    padbad("plus-one", d11 + "0x80 then zeros to 1025 bytes.", pad(data, 1025))
    padbad(
        "no-floor",
        d11 + "0x80 and no zeros (padme(12) = 12 bytes), ignoring the floor.",
        pad(data, 12),
    )
    padbad(
        "nonzero-after-marker",
        d11 + "0x80, zeros, and a final 0x01 byte (total 1024).",
        pad(data)[:-1] + b"\x01",
    )
    big = det("pad-big", 3000)
    padbad(
        "wrong-padme",
        f"3000 bytes of data, 0x80 then zeros to 4096, but padme(3001) is {padded_length(3000)}.",
        pad(big, 4096),
    )
    return vs


def _ed_point(u: int) -> bytes:
    return u.to_bytes(32, "little")


_ORDER8_A = 325606250916557431795983626356110631294008115727848805560023387167927233504
_ORDER8_B = 39382357235489614581723060781553021112529911719440698176882885853963445705823
LOW_ORDER: dict[str, bytes] = {
    "zero": _ed_point(0),
    "one": _ed_point(1),
    "order8-a": _ed_point(_ORDER8_A),
    "order8-b": _ed_point(_ORDER8_B),
    "p-minus-1": _ed_point(P25519 - 1),
    "p": _ed_point(P25519),
    "p-plus-1": _ed_point(P25519 + 1),
}
# RFC 7748 §5: the top bit of a u-coordinate is ignored, so each has a second encoding.
LOW_ORDER.update(
    {f"{k}-high-bit": v[:31] + bytes([v[31] | 0x80]) for k, v in list(LOW_ORDER.items())}
)


def _is_low_order(point: bytes) -> bool:
    """True if X25519 with two unrelated scalars gives all zeros (pyca raises ValueError)."""
    for name in ("probe 1", "probe 2"):
        try:
            x_key(name).exchange(X25519PublicKey.from_public_bytes(point))
        except ValueError:
            continue
        return False
    return True
