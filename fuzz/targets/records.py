"""Signed objects and case records (crypto/SPEC.md §4, §7, §16): status, reply, tracking step,
and the container.

The first byte picks a mode: the raw container as received, or the rest as a *body* that the
harness signs with a reviewer's key, so mutations reach the body rules behind the signature;
its bits 2-3 pick the kind (status, reply, track).
Documented refusals: FormatError, SignatureError.
"""

from __future__ import annotations

from crypto import records, signed, tracking
from crypto.errors import FormatError, SignatureError
from fuzz.common import REVIEWERS, directory, refusing, signed_container

KINDS = ("status", "reply", tracking.KIND)
SIGNER = REVIEWERS["budi"].signing


def check(data: bytes) -> None:
    if not data:
        return
    kind = KINDS[data[0] & 1] if not data[0] & 4 else KINDS[2]
    obj = data[1:] if data[0] & 2 else signed_container(SIGNER, kind, data[1:])
    with refusing(FormatError, SignatureError):
        body, _ = records.verify(obj, directory(), kind)
        records.order_key(body)
    with refusing(FormatError):
        signed.parse(obj)


def seeds() -> list[bytes]:
    status = records.status(
        SIGNER, "case01", "escalated", authority="bkn", at="2026-11-20T08:30:00+07:00"
    )
    reply = records.reply(SIGNER, "case01", "ab" * 32, at="2026-11-21T08:30:00Z")
    step = tracking.step(
        SIGNER,
        "case01",
        "bawaslu",
        "acknowledged",
        "2026-11-20",
        reference="12/PM.01/2026",
        at="2026-11-21T08:30:00+07:00",
    )
    return [
        b"\x02" + status,
        b"\x03" + reply,
        b"\x00" + signed.parse(status).body,
        b"\x01" + signed.parse(reply).body,
        b"\x06" + step,
        b"\x04" + signed.parse(step).body,
    ]
