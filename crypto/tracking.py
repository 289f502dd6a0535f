"""Signed tracking steps: what an outside authority did with a case (SPEC §16).

A ``track`` record is a signed object (signed.py) whose body says that, on ``day``, the
authority ``authority`` reached stage ``stage`` of the escalation chain for ``case``, with the
authority's own ``reference`` number and a sanction ``level`` where the stage has one. Like a
status (SPEC §7) it carries the reviewer's clock time ``at`` and a random ``id``, travels in
the outbox and converges on every laptop (the same record applied twice changes nothing).

The format fixes only the shape: codes are lower-case words, the day is a calendar day no later
than the signing day. Which stages exist, which may follow which and their deadlines are data
(``reviewer/escalation/stages.json``), so a new stage never needs a new format.

Leaks: the server stores these records in the clear (it must, to show the reporter the
coarse chain), so it learns which authority handles a case, the stage, the day and the
authority's reference number. Never a note: a body with any member not listed is rejected.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from . import signed

KIND = "track"
MAX_REFERENCE = 120
MEMBERS = frozenset({"v", "case", "authority", "stage", "day", "reference", "level", "at", "id"})
_CODE = re.compile(r"[a-z][a-z0-9_]{0,31}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_REFERENCE = re.compile(r"[\x20-\x7e]{1,120}")  # printable ASCII, the browser's rule too


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def step(
    key: Ed25519PrivateKey,
    case: str,
    authority: str,
    stage: str,
    day: str,
    *,
    reference: str | None = None,
    level: str | None = None,
    at: str | None = None,
    _id: str | None = None,
) -> bytes:
    """A signed tracking step (the container's bytes); ValueError if the body breaks §16.

    ``at`` and ``_id`` are the clock and randomness seams for test vectors.
    """
    body = {
        "v": 1,
        "case": case,
        "authority": authority,
        "stage": stage,
        "day": day,
        "reference": reference,
        "level": level,
        "at": at or _now(),
        "id": _id or secrets.token_hex(16),
    }
    if not fields_ok(body):
        raise ValueError("not a well-formed tracking step (SPEC §16)")
    return signed.sign(key, KIND, body).to_bytes()


def reference_ok(value: Any) -> bool:
    """Null, or 1–120 printable ASCII characters without outer spaces: the numbers
    authorities write ("123/PM.01/K.1/09/2024"), and the same rule in Python and JavaScript."""
    if value is None:
        return True
    return isinstance(value, str) and bool(_REFERENCE.fullmatch(value)) and value == value.strip()


def fields_ok(body: dict[str, Any]) -> bool:
    """True if the §16 members (beyond §7's v, case, at, id) are well formed.

    The caller (``crypto.records.check_body``) has checked v, case, id and the zoned ``at``;
    the exact member set is checked first, so no member is missing below.
    """
    if set(body) != MEMBERS:  # an extra member could carry an internal note to the server
        return False
    codes = all(
        isinstance(body[k], str) and _CODE.fullmatch(body[k]) for k in ("authority", "stage")
    )
    level = body["level"] is None or (
        isinstance(body["level"], str) and bool(_CODE.fullmatch(body["level"]))
    )
    return bool(
        codes and level and reference_ok(body["reference"]) and _day_ok(body["day"], body["at"])
    )


def _day_ok(day: Any, at: Any) -> bool:
    """A calendar day, not after the day the record was signed (in the signer's own zone):
    a step dated in the future would make a deadline look met before it was."""
    if not (isinstance(day, str) and _DAY.fullmatch(day) and isinstance(at, str)):
        return False
    try:
        return dt.date.fromisoformat(day) <= dt.datetime.fromisoformat(at).date()
    except ValueError:
        return False
