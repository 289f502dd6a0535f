"""The signed reviewer directory (crypto/SPEC.md §6), raw or with a fuzzed body the harness
signs with the pinned root. Documented refusals: FormatError, SignatureError."""

from __future__ import annotations

import datetime as dt

from crypto import signed
from crypto.directory import verify_directory
from crypto.encoding import b64u_encode, canonical_json
from crypto.errors import FormatError, SignatureError
from crypto.keys import key_id
from fuzz.common import ROOT, TODAY, directory_bytes, refusing, signed_message


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
                "kind": "directory",
                "signer": key_id(ROOT.public_key()).hex(),
                "body": b64u_encode(body),
                "sig": b64u_encode(ROOT.sign(signed_message("directory", body))),
            }
        )
    with refusing(FormatError, SignatureError):
        d = verify_directory(obj, ROOT.public_key(), TODAY, min_serial=data[0] >> 4)
        d.active_reviewers()
        with refusing(SignatureError):
            d.recipients()
        with refusing(SignatureError):
            d.reviewer_by_signer("00" * 16)
    _ = dt  # the date type is part of the API under test


def seeds() -> list[bytes]:
    return [b"\x01" + directory_bytes(), b"\x00" + signed.parse(directory_bytes()).body]
