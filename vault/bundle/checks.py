"""Item-level rules that need more than a hash (BUNDLE.md §3 items 14–16).

Each checker sees the verified index entries in order, with the data of small items (case
descriptors and signed records, at most 64 KiB each), and raises on the first violation.
Kept apart from the framing so the rules read like the spec.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from crypto import followup, records, signed
from crypto.directory import Directory, Reviewer
from crypto.encoding import b64u_decode, canonical_json
from crypto.errors import FormatError, SignatureError
from crypto.inspection import inspect_header

from .errors import BundleFormatError, BundleIntegrityError, BundleSignatureError
from .index import Entry
from .manifest import Manifest

RECORD_KINDS = frozenset({"status", "reply", "link", "track"})  # crypto/SPEC.md §15, §16
_CASE_FIELDS = frozenset({"v", "case", "received", "recipients", "reply_key"})


def case_descriptor(case: str, received: str, recipients: list[str], reply_key: str) -> bytes:
    """The data of an export ``case`` item (canonical JSON)."""
    return canonical_json(
        {
            "v": 1,
            "case": case,
            "received": received,
            "recipients": sorted(recipients),
            "reply_key": reply_key,
        }
    )


def parse_case_descriptor(data: bytes, case: str) -> dict[str, Any]:
    """Validate a ``case`` item; BundleFormatError if it is not exactly what §2.1 says."""
    try:
        obj = json.loads(data.decode("utf-8"))
        ok = isinstance(obj, dict) and set(obj) == _CASE_FIELDS and obj["v"] == 1
        ok = ok and obj["case"] == case and canonical_json(obj) == data
        dt.date.fromisoformat(obj["received"])
        ok = ok and isinstance(obj["recipients"], list)
        ok = ok and all(isinstance(r, str) and 0 < len(r) <= 64 for r in obj["recipients"])
        ok = ok and obj["recipients"] == sorted(set(obj["recipients"]))
        b64u_decode(obj["reply_key"], length=32)
    except (
        UnicodeDecodeError,
        ValueError,
        TypeError,
        KeyError,
        FormatError,
        RecursionError,
    ) as exc:  # RecursionError: "[[[…" deeper than the parser's stack
        raise BundleFormatError(f"case {case}: bad case descriptor") from exc
    if not ok:
        raise BundleFormatError(f"case {case}: bad case descriptor")
    descriptor: dict[str, Any] = obj  # a dict: ``ok`` checked it
    return descriptor


def find_reviewer(directory: Directory, signer: str) -> Reviewer | None:
    """Any reviewer (active, expired or revoked) owning the signing key id ``signer``."""
    return next((r for r in directory.reviewers if r.signer_id == signer), None)


def verify_history_record(
    data: bytes, kind: str, case: str, directory: Directory
) -> tuple[dict[str, Any], Reviewer, bool]:
    """Verify an exported record; a revoked signer is accepted but reported inactive.

    Returns (body, reviewer, active). Unknown signers and bad signatures are rejected: the
    server never exports what it did not verify on import.
    """
    try:
        body, reviewer = records.verify(data, directory, kind)
        active = True
    except SignatureError:
        try:
            obj = signed.parse(data)
            found = find_reviewer(directory, obj.signer)
            if found is None:
                raise BundleSignatureError(f"case {case}: {kind} by a signer not in the directory")
            # same body rules as an active signer's record: a revoked key signing a
            # malformed record must not get past the reader and crash whoever sorts it
            body, reviewer, active = records.verify_with(data, found, kind), found, False
        except SignatureError as exc:
            if isinstance(exc, BundleSignatureError):
                raise
            raise BundleSignatureError(f"case {case}: {kind} record signature fails") from exc
        except FormatError as exc:  # signed, but not a well-formed record: as for active keys
            raise BundleFormatError(f"case {case}: malformed {kind} record") from exc
    except FormatError as exc:
        raise BundleFormatError(f"case {case}: malformed {kind} record") from exc
    if body.get("case") != case:
        raise BundleIntegrityError(f"case {case}: {kind} record names another case")
    return body, reviewer, active


def envelope_recipient_ids(head: bytes) -> list[bytes]:
    """Key ids named in an envelope header (its first bytes); BundleFormatError if not one.

    Lets the server check that a reply is sealed to the case's reply key without any key.
    The header's layout is crypto's business (:func:`crypto.inspection.inspect_header`).
    """
    try:
        return list(inspect_header(head).recipient_ids)
    except FormatError as exc:
        raise BundleFormatError("not an envelope, or its header is cut short") from exc


def _followup_item(entry: Entry, data: bytes, follows: tuple[str, Any, int, str]) -> None:
    """A ``followup`` item (the reporter's signature, crypto/SPEC.md §12) comes right after its
    message, retaliation or consent envelope (same journal entry) and is a ``followup`` signed
    object.
    Its signature is the laptop's to check, against the key in the case's report, which only a
    reviewer can read."""
    kind, type_, seq, case = follows
    mine = (entry.extra["seq"], entry.case)
    if kind != "envelope" or type_ not in followup.TYPES or ((seq, case) != mine):
        raise BundleIntegrityError(f"item {entry.n}: follow-up signature without its message")
    try:
        if signed.parse(data).kind != "followup":
            raise FormatError("not a follow-up signature")
    except FormatError as exc:
        raise BundleFormatError(f"item {entry.n}: malformed follow-up signature") from exc


class ExportChecker:
    """Rule 14–15 for exports: seq order and range, case descriptors first, records genuine."""

    def __init__(self, manifest: Manifest, directory: Directory) -> None:
        self._m = manifest
        self._dir = directory
        self._last_seq = manifest.seq_from
        self._last_case = ""
        self._last_kind: tuple[str, Any, int, str] = ("", None, -1, "")
        self._cases: set[str] = set()

    def item(self, entry: Entry, data: bytes | None) -> None:
        """Check one verified item; ``data`` is given for small items only."""
        if entry.kind == "case":
            if entry.case in self._cases:
                raise BundleIntegrityError(f"item {entry.n}: second descriptor for one case")
            parse_case_descriptor(data or b"", entry.case)
            self._cases.add(entry.case)
            return
        if entry.case not in self._cases:
            raise BundleIntegrityError(f"item {entry.n}: comes before its case descriptor")
        seq = entry.extra["seq"]
        if not (self._m.seq_from < seq <= self._m.seq_to and seq >= self._last_seq):
            raise BundleIntegrityError(f"item {entry.n}: sequence out of order or out of range")
        if seq == self._last_seq and entry.case != self._last_case:
            raise BundleIntegrityError(f"item {entry.n}: one journal entry spans two cases")
        follows = self._last_kind
        self._last_kind = (entry.kind, entry.extra.get("type"), seq, entry.case)
        self._last_seq, self._last_case = seq, entry.case
        if entry.kind in RECORD_KINDS:
            verify_history_record(data or b"", entry.kind, entry.case, self._dir)
        elif entry.kind == "followup":
            _followup_item(entry, data or b"", follows)

    def finish(self) -> None:
        """Nothing is pending at the end of an export."""
        return None


class OutboxChecker:
    """Rule 15–16 for outboxes: records by the bundle's reviewer, each reply with its envelope."""

    def __init__(self, manifest: Manifest, directory: Directory) -> None:
        self._m = manifest
        self._dir = directory
        self._pending: Entry | None = None  # a reply waiting for its envelope

    def item(self, entry: Entry, data: bytes | None) -> None:
        """Check one verified item; ``data`` is given for small items only."""
        pending, self._pending = self._pending, None
        if entry.kind == "reply_envelope":
            if pending is None or pending.case != entry.case:
                raise BundleIntegrityError(f"item {entry.n}: reply envelope without its reply")
            if pending.extra["envelope_sha256"] != entry.sha256:
                raise BundleIntegrityError(f"item {entry.n}: envelope is not the one replied")
            return
        if pending is not None:
            raise BundleIntegrityError(f"item {pending.n}: reply not followed by its envelope")
        try:
            body, reviewer = records.verify(data or b"", self._dir, entry.kind)
        except SignatureError as exc:
            raise BundleSignatureError(f"item {entry.n}: record signature fails") from exc
        except FormatError as exc:
            raise BundleFormatError(f"item {entry.n}: malformed {entry.kind} record") from exc
        if reviewer.id != self._m.reviewer:
            raise BundleSignatureError(f"item {entry.n}: record signed by another reviewer")
        if body["case"] != entry.case:
            raise BundleIntegrityError(f"item {entry.n}: record names another case")
        if entry.kind == "reply":
            if body["envelope_sha256"] != entry.extra["envelope_sha256"]:
                raise BundleIntegrityError(f"item {entry.n}: reply names another envelope")
            self._pending = entry

    def finish(self) -> None:
        """A reply at the very end has lost its envelope."""
        if self._pending is not None:
            raise BundleIntegrityError(f"item {self._pending.n}: reply without its envelope")
