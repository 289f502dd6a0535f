"""Follow-up signatures (crypto/SPEC.md §12), raw or with a fuzzed body signed by the case's
follow-up key. Documented refusals: FormatError, SignatureError."""

from __future__ import annotations

from crypto import followup
from crypto.errors import FormatError, SignatureError
from fuzz.common import ed_key, refusing, signed_container

KEY = ed_key("followup")
SHA = "ab" * 32


def check(data: bytes) -> None:
    if not data:
        return
    obj = data[1:] if data[0] & 1 else signed_container(KEY, "followup", data[1:])
    with refusing(FormatError, SignatureError):
        followup.verify(
            obj, KEY.public_key(), "case01", "message", SHA, None if data[0] & 2 else [SHA]
        )


def seeds() -> list[bytes]:
    good = followup.sign(KEY, "case01", "message", SHA, [SHA])
    from crypto import signed

    return [b"\x01" + good, b"\x00" + signed.parse(good).body]
