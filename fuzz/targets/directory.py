"""The signed reviewer directory (crypto/SPEC.md §6), raw or with a fuzzed body the harness
signs with the pinned root. Documented refusals: FormatError, SignatureError."""

from __future__ import annotations

import datetime as dt

from crypto import signed
from crypto.directory import verify_directory
from crypto.errors import FormatError, SignatureError
from fuzz.common import ROOT, TODAY, directory_bytes, refusing, signed_container


def check(data: bytes) -> None:
    if not data:
        return
    obj = data[1:] if data[0] & 1 else signed_container(ROOT, "directory", data[1:])
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
