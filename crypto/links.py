"""Linked cases: a reviewer's signed statement that a new report continues an old case (SPEC §15).

A reporter who lost the receipt can only report again; the new case gets a new receipt. A
reviewer who recognises the old case links the two with a signed record of kind ``link``,
attached to the *new* case, travelling in the outbox like a status (SPEC §7) and converging on
every colleague's laptop on import:

    {"v":1, "case":NEW, "other":OLD, "linked":BOOL, "share":BOOL, "at":ISO8601, "id":HEX32}

``linked`` false undoes an earlier link; ``share`` true lets the reporter, on the new receipt's
follow-up page, see the old case's coarse history (its received day and verified statuses by
day — never notes, replies or content). The newest record for a pair (by SPEC §7's order)
decides.

Leaks: to the server, which cases the reviewers believe are the same reporter's — it already
learns as much from the statuses of both; the record carries no content.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from . import records, signed
from .errors import FormatError

__all__ = ["FIELDS", "KIND", "check_fields", "current", "sign"]

KIND = "link"
FIELDS = frozenset({"v", "case", "other", "linked", "share", "at", "id"})
_CASE = re.compile(r"[A-Za-z0-9_-]{1,64}")  # a server case id, as in SPEC §12.2


def sign(
    key: Ed25519PrivateKey,
    case: str,
    other: str,
    *,
    linked: bool = True,
    share: bool = False,
    at: str | None = None,
    _id: str | None = None,
) -> bytes:
    """A signed ``link`` record; ``at`` and ``_id`` are the clock and randomness seams.

    FormatError if the body would break SPEC §15 (a case linked to itself, a bad id)."""
    body = {
        "v": 1,
        "case": case,
        "other": other,
        "linked": linked,
        "share": share and linked,
        "at": at or dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "id": _id or secrets.token_hex(16),
    }
    check_fields(body)
    return signed.sign(key, KIND, body).to_bytes()


def check_fields(body: dict[str, Any]) -> None:
    """FormatError unless the link-specific rules of SPEC §15.2 hold (exactly these members,
    both ids case ids and different, ``linked`` and ``share`` booleans, no share without a
    link). The common record rules (``v``, ``at``, ``id``) are ``crypto.records.check_body``'s."""
    ok = set(body) == FIELDS
    ok = ok and all(
        isinstance(body[k], str) and bool(_CASE.fullmatch(body[k])) for k in ("case", "other")
    )
    ok = ok and body["case"] != body["other"]
    ok = ok and isinstance(body["linked"], bool) and isinstance(body["share"], bool)
    if not ok or (body["share"] and not body["linked"]):
        raise FormatError("malformed link record")


def current(bodies: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """(case, other) → the newest link body for that pair, by the agreed order (SPEC §7)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for body in sorted(bodies, key=records.order_key):
        out[(body["case"], body["other"])] = body
    return out
