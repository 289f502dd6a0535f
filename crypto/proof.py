"""Proof of report: what the server attests it received for a case, verifiable by anyone who
holds only the organisation's published root key (SPEC §13).

A proof file is one JSON object::

    {"bisik": "proof/v3", "proof": SIGNED, "directory": SIGNED}

``proof`` is a signed object (SPEC §4) of kind ``proof`` made with the intake server's key;
``directory`` is the organisation's signed directory (SPEC §6) that names that server key. The
proof's body lists every item the reporter sent for the case — the report, each later message,
each retaliation report, each consent change (SPEC §14) — in the order the server received
them, each with the UTC day it arrived and the SHA-256 of its envelope (and of each evidence
envelope), and the day the proof was issued. A third party (LPSK, a court) verifies it with
the root key alone: the directory must verify under the root key *as of the issue day* (a
proof outlives the directory's expiry), the proof must be signed by the server key that
directory names, and its organisation must be the directory's.

Versions: writers emit ``proof/v3`` (body ``v`` 3), which adds the item kind ``consent``;
readers still accept ``proof/v2`` (body ``v`` 2, no consent items) so every proof a reporter
already holds stays verifiable, and refuse a v2 file that lists a consent item.

What it shows: that the organisation's server held these sealed items on these days. What it
does not show: their content (only the reviewers can open the envelopes; a reviewer can confirm
that a given hash opens to a given report or consent change — ``show`` prints each consent
change's full hash). Leaks: whoever holds the file learns that its
holder reported to this organisation, on which days, how many items — the reporter must keep it
as safely as the receipt (the pages say so).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from . import signed
from .directory import Directory, verify_directory
from .encoding import canonical_json
from .errors import FormatError, SignatureError

__all__ = ["FORMAT", "KINDS", "Proof", "ProofItem", "issue", "verify"]

FORMAT = "proof/v3"
VERSION = 3
# what a reporter sends (SPEC §13); a consent change (§14) is listed from v3 on
KINDS = ("report", "message", "retaliation", "consent")
_KINDS_OF = {2: KINDS[:3], 3: KINDS}  # body version -> the item kinds it may list
_FORMATS = {f"proof/v{v}": v for v in _KINDS_OF}  # file format -> the body version it holds
MAX_ITEMS = 10_000
MAX_EVIDENCE = 64
MAX_FILE = 1 << 20
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_CASE = re.compile(r"^[a-z2-7]{16}$")


@dataclass(frozen=True)
class ProofItem:
    """One thing the reporter sent: its kind, the day it arrived (None if the server did not
    record days yet when it arrived), its envelope's SHA-256, and its evidence envelopes'."""

    kind: str
    day: dt.date | None
    envelope_sha256: str
    evidence: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The item as the proof body lists it (SPEC §13); ``day`` null if none was recorded."""
        return {
            "kind": self.kind,
            "day": self.day.isoformat() if self.day else None,
            "envelope_sha256": self.envelope_sha256,
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True)
class Proof:
    """A verified proof: who attests (organisation, its directory), for which case, what."""

    org_name: str
    case: str
    received: dt.date
    issued: dt.date
    items: tuple[ProofItem, ...]
    directory: Directory
    version: int = VERSION  # 2 for a proof issued before consent changes were listed

    def consent_changes(self) -> tuple[ProofItem, ...]:
        """The reporter's consent changes the proof lists (SPEC §14), in the order received."""
        return tuple(i for i in self.items if i.kind == "consent")


def issue(
    server_key: Ed25519PrivateKey,
    directory_bytes: bytes,
    *,
    org_name: str,
    case: str,
    received: dt.date,
    items: list[ProofItem],
    issued: dt.date,
    _version: int = VERSION,
) -> bytes:
    """A proof file (canonical JSON bytes) for ``items``, signed with the server's key.

    ``directory_bytes`` is the signed directory the server runs under (it must name
    ``server_key``; :func:`verify` refuses the file otherwise). Raises FormatError for items
    the format cannot carry. ``_version`` is the seam that writes the v2 vectors (SPEC §13:
    readers keep accepting v2); the server always writes :data:`VERSION`.
    """
    body = {
        "v": _version,
        "org": org_name,
        "case": case,
        "received": received.isoformat(),
        "issued": issued.isoformat(),
        "items": [item.to_json() for item in items],
    }
    _parse_body(body, _version)  # a writer never emits what a reader refuses
    proof = json.loads(signed.sign(server_key, "proof", body).to_bytes())
    directory = json.loads(directory_bytes)
    return canonical_json({"bisik": f"proof/v{_version}", "proof": proof, "directory": directory})


def verify(data: bytes, root: Ed25519PublicKey) -> Proof:
    """Check a proof file against the organisation's root key; return what it attests.

    Raises SignatureError if the directory is not the root's (or was not valid on the issue
    day), if the proof is not signed by the server key the directory names, or if organisation
    names differ; FormatError if the file is malformed. Any change to any byte of the signed
    parts makes one of these fail.
    """
    outer, version = _outer(data)
    proof_signed = signed.parse(canonical_json(outer["proof"]))
    claimed = _parse_body(_unverified_body(proof_signed), version)
    directory = verify_directory(canonical_json(outer["directory"]), root, claimed.issued)
    if directory.server_key is None:
        raise SignatureError("the directory names no server key")
    body = _parse_body(proof_signed.verify(directory.server_key, "proof"), version)
    if body.org_name != directory.org_name:
        raise SignatureError("the proof names another organisation than its directory")
    return Proof(
        body.org_name, body.case, body.received, body.issued, body.items, directory, version
    )


# -- parsing ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Body:
    org_name: str
    case: str
    received: dt.date
    issued: dt.date
    items: tuple[ProofItem, ...]


def _outer(data: bytes) -> tuple[dict[str, Any], int]:
    if len(data) > MAX_FILE:
        raise FormatError("a proof file is at most 1 MiB")
    try:
        obj = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise FormatError("a proof file is one JSON object") from exc
    if not isinstance(obj, dict) or set(obj) != {"bisik", "proof", "directory"}:
        raise FormatError("a proof file has exactly bisik, proof and directory")
    if not isinstance(obj["bisik"], str) or obj["bisik"] not in _FORMATS:
        raise FormatError("not a proof/v2 or proof/v3 file")
    if not isinstance(obj["proof"], dict) or not isinstance(obj["directory"], dict):
        raise FormatError("proof and directory are signed objects")
    return obj, _FORMATS[obj["bisik"]]


def _unverified_body(obj: signed.Signed) -> dict[str, Any]:
    """The body before its signature is checked: read only to learn the issue day."""
    try:
        body = json.loads(obj.body)
    except (ValueError, RecursionError) as exc:
        raise FormatError("the proof body is not JSON") from exc
    if not isinstance(body, dict):
        raise FormatError("the proof body is not an object")
    return body


def _day(value: Any) -> dt.date:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise FormatError("a day is YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise FormatError("not a calendar day") from exc


def _hex64(value: Any) -> str:
    if not isinstance(value, str) or not _HEX64.match(value):
        raise FormatError("a hash is 64 lowercase hex digits")
    return value


def _item(obj: Any, version: int) -> ProofItem:
    if not isinstance(obj, dict) or set(obj) != {"kind", "day", "envelope_sha256", "evidence"}:
        raise FormatError("a proof item has exactly kind, day, envelope_sha256, evidence")
    if obj["kind"] not in _KINDS_OF[version]:  # a v2 proof lists no consent change
        raise FormatError("unknown proof item kind")
    evidence = obj["evidence"]
    if not isinstance(evidence, list) or len(evidence) > MAX_EVIDENCE:
        raise FormatError("evidence is a list of at most 64 hashes")
    if obj["kind"] == "consent" and evidence:  # a consent change attaches no file (SPEC §14.2)
        raise FormatError("a consent change lists no evidence")
    day = None if obj["day"] is None else _day(obj["day"])
    return ProofItem(
        obj["kind"], day, _hex64(obj["envelope_sha256"]), tuple(_hex64(e) for e in evidence)
    )


def _parse_body(body: dict[str, Any], version: int) -> _Body:
    """The body of a ``proof/v{version}`` file; its ``v`` must be that version (SPEC §13)."""
    members = {"v", "org", "case", "received", "issued", "items"}
    if set(body) != members or type(body["v"]) is not int or body["v"] != version:
        raise FormatError("a proof body has exactly v (the file's version), org, case, …")
    org, case, items = body["org"], body["case"], body["items"]
    if not isinstance(org, str) or not 0 < len(org) <= 200:
        raise FormatError("org is a name of 1 to 200 characters")
    if not isinstance(case, str) or not _CASE.match(case):
        raise FormatError("case is a case id")
    if not isinstance(items, list) or not 0 < len(items) <= MAX_ITEMS:
        raise FormatError("items is a non-empty list")
    parsed = tuple(_item(i, version) for i in items)
    received, issued = _day(body["received"]), _day(body["issued"])
    if parsed[0].kind != "report" or any(i.kind == "report" for i in parsed[1:]):
        raise FormatError("the first item, and only the first, is the report")
    days = [i.day for i in parsed if i.day is not None]
    if received > issued or any(d < received or d > issued for d in days):
        raise FormatError("item days lie between the day received and the day issued")
    if days != sorted(days):
        raise FormatError("items are in the order received")
    return _Body(org, case, received, issued, parsed)
