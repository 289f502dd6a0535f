"""The documents sealed inside envelopes: reports, follow-up messages, retaliation reports
and reviewer replies (SPEC §8).

A document is a UTF-8 JSON object of at most 1 MiB. It carries what must never appear
outside the envelope: the precise submission time, the form fields, the reporter's reply
public key, the follow-up signing public key (reports only, SPEC §12) and the evidence
list (original file names, media types, sizes and, for each
evidence envelope, its SHA-256 — the content address the blob is found by — and its 32-byte
header MAC, which binds the entry to exactly one envelope: SPEC §8).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .encoding import b64u_decode, canonical_json, parse_json_object
from .errors import FormatError

MAX_DOCUMENT = 1 << 20
TYPES = frozenset({"report", "message", "retaliation", "reply", "consent", "identity"})  # §14, §17
CHANNELS = frozenset({"browser", "server", "reviewer"})
_HEX64 = re.compile(r"[0-9a-f]{64}")  # used with fullmatch: "$" would allow a final "\n"


@dataclass(frozen=True)
class Evidence:
    """One evidence file as listed in a document (the file itself is its own envelope).

    ``envelope_sha256`` locates the blob; ``envelope_mac`` (the envelope's header MAC, lowercase
    hex, keyword-only and required) is what proves it is the reporter's envelope (SPEC §8).
    Both are checked on construction: FormatError if either is not 64 lowercase hex digits.
    """

    envelope_sha256: str
    name: str
    media_type: str
    size: int
    share: bool = False  # may a de-identified copy go to the authorities?
    envelope_mac: str = field(kw_only=True)

    def __post_init__(self) -> None:
        if not (isinstance(self.envelope_sha256, str) and _HEX64.fullmatch(self.envelope_sha256)):
            raise FormatError("evidence needs a lowercase hex SHA-256")
        if not (isinstance(self.envelope_mac, str) and _HEX64.fullmatch(self.envelope_mac)):
            raise FormatError("evidence needs the envelope's header MAC in lowercase hex")

    def to_json(self) -> dict[str, Any]:
        """The entry as SPEC §8 lists it (name and media type too: they exist only inside it)."""
        return {
            "envelope_sha256": self.envelope_sha256,
            "envelope_mac": self.envelope_mac,
            "name": self.name,
            "media_type": self.media_type,
            "size": self.size,
            "share": self.share,
        }


@dataclass(frozen=True)
class Document:
    """A validated document. ``fields`` holds the form answers (str → str or list of str)."""

    type: str
    submitted_at: str
    channel: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    reply_key: str | None = None
    evidence: Sequence[Evidence] = ()
    consent: Mapping[str, Any] = field(default_factory=dict)
    followup_key: str | None = None  # Ed25519, B64URL: what signs later items (SPEC §12)

    def to_bytes(self) -> bytes:
        """The canonical JSON of SPEC §8: the bytes to seal, the same in Python and the browser."""
        obj = {
            "v": 1,
            "type": self.type,
            "submitted_at": self.submitted_at,
            "channel": self.channel,
            "fields": dict(self.fields),
            "reply_key": self.reply_key,
            "evidence": [e.to_json() for e in self.evidence],
            "consent": dict(self.consent),
        }
        if self.followup_key is not None:  # absent, not null: older documents stay as they were
            obj["followup_key"] = self.followup_key
        return canonical_json(obj)


def now() -> str:
    """Precise UTC time, for *inside* a document only."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _evidence(obj: Any) -> Evidence:
    if not isinstance(obj, dict):
        raise FormatError("evidence entries are objects")
    sha, name, mtype, size = (obj.get(k) for k in ("envelope_sha256", "name", "media_type", "size"))
    if not (isinstance(name, str) and 0 < len(name) <= 255 and isinstance(mtype, str)):
        raise FormatError("evidence needs a name and a media type")
    if not (isinstance(size, int) and not isinstance(size, bool) and size >= 0):
        raise FormatError("evidence size must be a non-negative integer")
    mac = obj.get("envelope_mac", "")  # required: "" (absent) fails the check in Evidence
    return Evidence(
        sha or "", name, mtype[:127], size, bool(obj.get("share", False)), envelope_mac=mac
    )


def _fields(obj: Any) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise FormatError("fields must be an object")
    for k, v in obj.items():
        ok = isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
        if not ok or len(k) > 64:
            raise FormatError(f"field {k[:64]!r} must be text or a list of text")
    return obj


def parse(data: bytes) -> Document:
    """Validate and parse a decrypted document; FormatError on anything unexpected."""
    obj = parse_json_object(data, max_size=MAX_DOCUMENT)
    try:
        if obj["v"] != 1 or obj["type"] not in TYPES or obj["channel"] not in CHANNELS:
            raise FormatError("unknown document version, type or channel")
        dt.datetime.fromisoformat(obj["submitted_at"])
        reply_key = obj.get("reply_key")
        if reply_key is not None:
            b64u_decode(reply_key, length=32)
        if obj["type"] == "report" and reply_key is None:
            raise FormatError("a report carries the reporter's reply key")
        if obj["type"] == "identity" and (
            obj["channel"] != "browser" or reply_key is not None or obj.get("evidence")
        ):
            raise FormatError("an identity is sealed in the browser, with no reply key or files")
        followup_key = obj.get("followup_key")
        if "followup_key" in obj and (obj["type"] != "report" or followup_key is None):
            raise FormatError("only a report publishes a follow-up key, and never as null")
        if followup_key is not None:
            b64u_decode(followup_key, length=32)
        evidence = tuple(_evidence(e) for e in obj.get("evidence", []))
        for key in ("envelope_sha256", "envelope_mac"):  # one envelope, one entry
            if len({getattr(e, key) for e in evidence}) != len(evidence):
                raise FormatError("evidence listed twice")
        consent = obj.get("consent", {})
        if not isinstance(consent, dict):
            raise FormatError("consent must be an object")
        return Document(
            obj["type"],
            obj["submitted_at"],
            obj["channel"],
            _fields(obj.get("fields", {})),
            reply_key,
            evidence,
            consent,
            followup_key,
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, FormatError):
            raise
        raise FormatError("incomplete document") from exc


def missing_evidence(doc: Document, received: set[str]) -> list[Evidence]:
    """Evidence the document lists but whose envelope hash is not among ``received``."""
    return [e for e in doc.evidence if e.envelope_sha256 not in received]
