"""Follow-up signatures (crypto/SPEC.md §12), raw or with a fuzzed body signed by the case's
follow-up key. Documented refusals: FormatError, SignatureError."""

from __future__ import annotations

from crypto import followup
from crypto.encoding import b64u_encode, canonical_json
from crypto.errors import FormatError, SignatureError
from crypto.keys import key_id
from fuzz.common import ed_key, refusing, signed_message

KEY = ed_key("followup")
SHA = "ab" * 32


def check(data: bytes) -> None:
    if not data:
        return
    if data[0] & 1:
        obj = data[1:]
    else:
        body = data[1:]
        obj = canonical_json(
            {
                "bisik": "signed/v1",
                "kind": "followup",
                "signer": key_id(KEY.public_key()).hex(),
                "body": b64u_encode(body),
                "sig": b64u_encode(KEY.sign(signed_message("followup", body))),
            }
        )
    with refusing(FormatError, SignatureError):
        followup.verify(
            obj, KEY.public_key(), "case01", "message", SHA, None if data[0] & 2 else [SHA]
        )


def seeds() -> list[bytes]:
    good = followup.sign(KEY, "case01", "message", SHA, [SHA])
    from crypto import signed

    return [b"\x01" + good, b"\x00" + signed.parse(good).body]
