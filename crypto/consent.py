"""Consent that changes: the reporter's later grant or withdrawal, a sealed document (SPEC §14).

At submission the reporter says which authorities may receive a de-identified dossier and which
evidence files may be attached (``consent.authorities`` and each entry's ``share``, SPEC §8).
Later, with the receipt, the reporter may change either. Each change is a document of type
``consent`` (SPEC §8) sealed to the case's reviewers like a follow-up message, signed with the
receipt's follow-up key like one (SPEC §12), and dated by its own ``submitted_at``:

    {"v":1, "type":"consent", "submitted_at":ISO8601, "channel":…, "fields":{},
     "reply_key":null, "evidence":[],
     "consent":{"authorities":{CODE: BOOL …}, "evidence":{HEX64: BOOL …}, "seq":N}}

``true`` grants, ``false`` withdraws; what a change does not name stays as it was. ``seq`` is
the change's place among the case's consent changes (1, 2, …), sealed and covered by the
receipt's signature: the latest word is the one with the greatest ``seq`` (:func:`latest`
applies changes in the order the caller sorted them, SPEC §14.3), never the reporter's clock.
Changes written before ``seq`` existed lack it and come before every sequenced one.

Leaks: nothing outside the envelope; inside it, which bodies the reporter trusts and when.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .document import Document
from .document import parse as parse_document
from .errors import FormatError
from .report_schema import CONSENT_CHOICES

__all__ = [
    "MAX_EVIDENCE",
    "MAX_SEQ",
    "TYPE",
    "ConsentChange",
    "check",
    "document",
    "latest",
    "parse",
]

TYPE = "consent"
MAX_EVIDENCE = 64  # as many files as a follow-up may attach (SPEC §12)
MAX_SEQ = (1 << 31) - 1  # a JSON integer every reader (and JavaScript) holds exactly
_HEX64 = re.compile(r"[0-9a-f]{64}")  # with fullmatch: "$" would allow a final "\n"


@dataclass(frozen=True)
class ConsentChange:
    """One change: authority code → granted?, evidence envelope SHA-256 → may be shared?"""

    authorities: Mapping[str, bool] = field(default_factory=dict)
    evidence: Mapping[str, bool] = field(default_factory=dict)
    seq: int | None = None  # None: a change written before SPEC §14.3's sequence

    def to_json(self) -> dict[str, Any]:
        """The ``consent`` member of the document (SPEC §14); ``seq`` only when it has one."""
        out: dict[str, Any] = {
            "authorities": dict(self.authorities),
            "evidence": dict(self.evidence),
        }
        if self.seq is not None:
            out["seq"] = self.seq
        return out


def _seq(value: Any) -> int:
    # bool is an int in Python: true must not pass as 1; a float or a string is no number here
    if type(value) is not int or not 1 <= value <= MAX_SEQ:
        raise FormatError("consent seq must be an integer from 1 to 2^31-1")
    return value


def _booleans(obj: Any, what: str, key_ok: Any) -> dict[str, bool]:
    if not isinstance(obj, dict):
        raise FormatError(f"consent {what} must be an object")
    for key, value in obj.items():
        if not key_ok(key):
            raise FormatError(f"consent names an unknown key in {what}")
        if not isinstance(value, bool):  # 1, "yes" or null are no answer
            raise FormatError(f"consent for {what} must be true or false")
    return dict(obj)


def check(doc: Document) -> ConsentChange:
    """The change a parsed ``consent`` document makes; FormatError naming the rule it breaks
    (SPEC §14.2): another type, fields, evidence or a reply key in it, a member missing or
    extra, an unknown authority code, a key that is not an envelope hash, a value that is not
    a boolean, more than :data:`MAX_EVIDENCE` files, a change that changes nothing, or a
    ``seq`` that is not an integer from 1 to :data:`MAX_SEQ`."""
    if doc.type != TYPE:
        raise FormatError("not a consent document")
    if doc.fields or doc.evidence or doc.reply_key is not None:
        raise FormatError("a consent document carries no fields, evidence or reply key")
    body = dict(doc.consent)
    if set(body) - {"seq"} != {"authorities", "evidence"}:
        raise FormatError("consent needs exactly 'authorities', 'evidence' (and 'seq')")
    seq = _seq(body["seq"]) if "seq" in body else None
    authorities = _booleans(body["authorities"], "authorities", lambda k: k in CONSENT_CHOICES)
    evidence = _booleans(
        body["evidence"], "evidence", lambda k: isinstance(k, str) and bool(_HEX64.fullmatch(k))
    )
    if len(evidence) > MAX_EVIDENCE:
        raise FormatError("consent names too many evidence files")
    if not authorities and not evidence:
        raise FormatError("a consent change must change something")
    return ConsentChange(authorities, evidence, seq)


def parse(data: bytes) -> ConsentChange:
    """Validate decrypted document bytes as a consent change (SPEC §8 then §14)."""
    return check(parse_document(data))


def document(change: ConsentChange, submitted_at: str, channel: str) -> Document:
    """The document to seal for ``change``; FormatError if the change breaks SPEC §14."""
    doc = Document(TYPE, submitted_at, channel, consent=change.to_json())
    check(doc)
    return doc


def latest(
    authorities: Iterable[str], share: Mapping[str, bool], changes: Iterable[ConsentChange]
) -> tuple[frozenset[str], dict[str, bool]]:
    """(authorities consented to, evidence hash → shareable) after applying ``changes`` in the
    order given to the submission's consent (the caller sorts them, SPEC §14.3: changes
    without ``seq`` first, then by ``seq``)."""
    current = set(authorities)
    shared = dict(share)
    for change in changes:
        for code, granted in change.authorities.items():
            (current.add if granted else current.discard)(code)
        for sha, granted in change.evidence.items():
            if sha in shared:  # a file of another case (or none) changes nothing
                shared[sha] = granted
    return frozenset(current), shared
