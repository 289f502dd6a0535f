"""Identity disclosure (SPEC §17): the reporter's name and contact details, sealed in the
reporter's browser only to the reviewers the reporter chose.

The disclosure is a document (SPEC §8) of type ``identity``, written only by the browser
(channel ``browser``: on the no-JavaScript path the server would hold it in memory, so that
path does not offer it), with no reply key and no evidence, in an envelope sealed to the chosen
reviewers' keys and to nothing else — not the reporter's reply key, so a lost receipt never
opens it. It travels as a follow-up ``message`` item with the receipt's follow-up signature
(SPEC §12), so the server stores one more message and learns nothing else: not that it is an
identity, nor anything in it.

:func:`check_fields` is the vocabulary layer (which fields, how long): the document parser
(``crypto.document.parse``) already enforces channel, reply key and evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import FormatError

TYPE = "identity"
ITEM = "message"  # the journal item kind it travels as (SPEC §12 signs this kind)
FIELDS = {
    "name": 200,
    "nip": 40,
    "position": 200,
    "agency": 300,
    "phone": 60,
    "email": 200,
    "address": 500,
    "contact_note": 1000,
}  # name -> most characters
REQUIRED = frozenset({"name"})


def check_fields(fields: Mapping[str, Any]) -> dict[str, str]:
    """The disclosed details as text; FormatError for an unknown field, a value that is not
    text or is too long, or a missing or blank name."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise FormatError("an identity field SPEC §17 does not list")
    out: dict[str, str] = {}
    for key, value in fields.items():
        if not isinstance(value, str) or len(value) > FIELDS[key]:
            raise FormatError(f"identity field {key} must be text of at most {FIELDS[key]}")
        out[key] = value
    if any(not out.get(k, "").strip() for k in REQUIRED):
        raise FormatError("an identity disclosure names the reporter")
    return out


def carried_in(item_kind: str, doc_type: str) -> bool:
    """Whether a document of ``doc_type`` may arrive as a journal item of ``item_kind``: its
    own kind (message, retaliation), or an identity disclosure as a message."""
    return doc_type == item_kind or (doc_type == TYPE and item_kind == ITEM)
