"""Consent changes and link records (crypto/SPEC.md §14, §15).

The first byte picks a mode: even, the rest is a decrypted document parsed as a consent change
(and, when it passes, applied to a submission's consent); odd, the rest is a link record body
that the harness signs with a reviewer's key, so mutations reach the body rules behind the
signature. Documented refusals: FormatError, SignatureError.
"""

from __future__ import annotations

from crypto import consent, links, records, signed
from crypto.errors import FormatError, SignatureError
from fuzz.common import REVIEWERS, directory, refusing, signed_container

SIGNER = REVIEWERS["budi"].signing


def check(data: bytes) -> None:
    if not data:
        return
    if not data[0] & 1:
        with refusing(FormatError):
            change = consent.parse(data[1:])
            consent.latest({"bkn"}, {"ab" * 32: True}, [change])
        return
    obj = signed_container(SIGNER, links.KIND, data[1:])
    with refusing(FormatError, SignatureError):
        got, _ = records.verify(obj, directory(), links.KIND)
        links.current([got])


def seeds() -> list[bytes]:
    change = consent.ConsentChange({"bawaslu": True, "bkn": False}, {"ab" * 32: False})
    doc = consent.document(change, "2026-12-01T09:30:00+07:00", "browser").to_bytes()
    link = links.sign(SIGNER, "case02", "case01", share=True, at="2026-11-25T10:00:00+00:00")
    return [b"\x00" + doc, b"\x01" + signed.parse(link).body]
