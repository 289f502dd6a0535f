"""Checks on browser-sealed envelopes the server cannot open: header, recipients, length.

The server holds no key that opens a report, but it can refuse what no honest browser
makes: a header that does not parse, a recipient that is not an active reviewer (or the
case's reply key, for a follow-up), or a total length no writer produces (crypto/SPEC.md
§3.5). Leaks: nothing beyond what the header itself shows (recipient key ids).
"""

from __future__ import annotations

import struct
from typing import Any

from crypto import header as env_header
from crypto.errors import BisikError
from crypto.keys import key_id
from crypto.padding import MIN_PADDED, padme

from ..state import Intake
from .errors import ApiError
from .inputs import MAX_INLINE_ENVELOPE, field_bytes

CHUNK = 1 << 16  # plaintext bytes per envelope chunk (crypto/SPEC.md §3.5)
TAG = 16  # AES-GCM tag per chunk


def check_header(data: bytes, allowed: dict[bytes, str | None]) -> list[str]:
    """Validate an envelope's header prefix and stanza list without opening it.

    ``allowed`` maps permitted recipient key ids to reviewer ids (None for a key that is no
    reviewer, such as the case's reply key). At least one recipient must be a reviewer.
    Returns the reviewer ids named; ApiError ``error.bad_envelope`` otherwise.
    """
    prefix = data[: env_header.PREFIX_LEN]
    try:
        length = env_header.read_prefix(prefix)
    except BisikError as exc:
        raise ApiError("error.bad_envelope", 422) from exc
    if len(data) < length:
        raise ApiError("error.bad_envelope", 422)
    (count,) = struct.unpack(">H", prefix[10:12])
    ids = [
        data[off : off + 16]
        for off in range(env_header.PREFIX_LEN, env_header.PREFIX_LEN + count * 96, 96)
    ]
    if len(set(ids)) != len(ids) or any(i not in allowed for i in ids):
        raise ApiError("error.bad_envelope", 422)
    reviewers = [r for r in (allowed[i] for i in ids) if r is not None]
    if not reviewers:
        raise ApiError("error.no_recipient", 422)
    return reviewers


def plausible_length(total: int, header_len: int) -> bool:
    """Whether an envelope of ``total`` bytes with a header of ``header_len`` bytes has a
    payload a writer could have made: Padmé-padded plaintext (≥ 1024 bytes) cut into 64 KiB
    chunks, each with its tag (crypto/SPEC.md §3.5). The server cannot open a payload, but it
    can refuse sizes no honest browser produces, before they are stored for a reviewer."""
    payload = total - header_len
    if payload <= TAG:
        return False
    chunks = -(-payload // (CHUNK + TAG))
    padded = payload - TAG * chunks
    return padded >= MIN_PADDED and padme(padded) == padded and -(-padded // CHUNK) == chunks


def check_length(data: bytes, total: int) -> None:
    """ApiError ``error.bad_envelope`` unless ``total`` fits the header at the start of
    ``data`` (see :func:`plausible_length`)."""
    try:
        header_len = env_header.read_prefix(data[: env_header.PREFIX_LEN])
    except BisikError as exc:
        raise ApiError("error.bad_envelope", 422) from exc
    if not plausible_length(total, header_len):
        raise ApiError("error.bad_envelope", 422)


def reviewer_keys(intake: Intake) -> dict[bytes, str | None]:
    """Key id → reviewer id of every active reviewer: the recipients an envelope may name."""
    return {key_id(r.keys.encryption): r.id for r in intake.directory().active_reviewers()}


def inline_envelope(
    obj: dict[str, Any], name: str, allowed: dict[bytes, str | None]
) -> tuple[bytes, list[str]]:
    """The envelope in the base64url field ``name`` and the reviewer ids it names."""
    data = field_bytes(obj, name)
    if len(data) > MAX_INLINE_ENVELOPE:
        raise ApiError("error.too_large", 413)
    reviewers = check_header(data, allowed)
    check_length(data, len(data))
    return data, reviewers
