"""Checks on browser-sealed envelopes the server cannot open: header, recipients, length.

The server holds no key that opens a report, but it can refuse what no honest browser
makes: a header that does not parse, a recipient that is not an active reviewer (or the
case's reply key, for a follow-up), or a total length no writer produces (crypto/SPEC.md
§3.5). Leaks: nothing beyond what the header itself shows (recipient key ids).
"""

from __future__ import annotations

from typing import Any

from crypto import inspection
from crypto.errors import BisikError
from crypto.keys import key_id

from ..state import Intake
from .errors import ApiError
from .inputs import MAX_INLINE_ENVELOPE, field_bytes


def check_header(data: bytes, allowed: dict[bytes, str | None]) -> list[str]:
    """Validate an envelope's header prefix and stanza list without opening it.

    ``allowed`` maps permitted recipient key ids to reviewer ids (None for a key that is no
    reviewer, such as the case's reply key). At least one recipient must be a reviewer.
    Returns the reviewer ids named; ApiError ``error.bad_envelope`` otherwise.
    """
    ids = _inspect(data).recipient_ids
    if any(i not in allowed for i in ids):
        raise ApiError("error.bad_envelope", 422)
    reviewers = [r for r in (allowed[i] for i in ids) if r is not None]
    if not reviewers:
        raise ApiError("error.no_recipient", 422)
    return reviewers


def check_length(data: bytes, total: int) -> None:
    """ApiError ``error.bad_envelope`` unless ``total`` is a size a writer makes with the
    header at the start of ``data`` (:func:`crypto.inspection.plausible_size`)."""
    if not _inspect(data).plausible_size(total):
        raise ApiError("error.bad_envelope", 422)


def _inspect(data: bytes) -> inspection.HeaderInfo:
    try:
        return inspection.inspect_header(data)
    except BisikError as exc:
        raise ApiError("error.bad_envelope", 422) from exc


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
