"""Signed case records: status changes and replies, signed by reviewer keys (SPEC §7).

A record is a signed object (signed.py) whose body names the case, the new state or the reply
envelope's hash, the reviewer's clock time and a random id. Records are ordered by
``(at, id)``; the newest status wins, and an older one arriving later never overwrites it.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from . import signed, tracking
from .directory import Directory, Reviewer
from .errors import FormatError

STATES = (
    "received",
    "in_review",
    "need_info",
    "escalated",
    "closed_substantiated",
    "closed_unsubstantiated",
    "closed_outside_mandate",
)


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def status(
    key: Ed25519PrivateKey,
    case: str,
    state: str,
    *,
    authority: str | None = None,
    at: str | None = None,
    _id: str | None = None,
) -> bytes:
    """A signed status change; ``authority`` is required for ``escalated``.

    ``at`` and ``_id`` are the clock and randomness seams for test vectors.
    """
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}")
    if (state == "escalated") != bool(authority):
        raise ValueError("'escalated' needs an authority, and only it")
    body = {
        "v": 1,
        "case": case,
        "state": state,
        "authority": authority,
        "at": at or _now(),
        "id": _id or secrets.token_hex(16),
    }
    return signed.sign(key, "status", body).to_bytes()


def reply(
    key: Ed25519PrivateKey,
    case: str,
    envelope_sha256: str,
    *,
    at: str | None = None,
    _id: str | None = None,
) -> bytes:
    """A signed statement that this reviewer sent the reply envelope with this SHA-256."""
    body = {
        "v": 1,
        "case": case,
        "envelope_sha256": envelope_sha256,
        "at": at or _now(),
        "id": _id or secrets.token_hex(16),
    }
    return signed.sign(key, "reply", body).to_bytes()


def verify(data: bytes | str, directory: Directory, kind: str) -> tuple[dict[str, Any], Reviewer]:
    """Verify a record against the directory; return its body and the reviewer who signed."""
    obj = signed.parse(data)
    reviewer = directory.reviewer_by_signer(obj.signer)
    body = obj.verify(reviewer.keys.signing, kind)
    check_body(body, kind)
    return body, reviewer


def verify_with(data: bytes | str, reviewer: Reviewer, kind: str) -> dict[str, Any]:
    """Verify a record against one given reviewer's key (active or not) and check its body.

    For history signed by a reviewer whose key was revoked or expired later: the signature and
    the body rules are the same as :func:`verify`'s; only the "active" check is left to the
    caller. SignatureError or FormatError as :func:`verify`.
    """
    body = signed.parse(data).verify(reviewer.keys.signing, kind)
    check_body(body, kind)
    return body


_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX32 = re.compile(r"[0-9a-f]{32}")  # the random record id: ties in `at` sort by it


def check_body(body: dict[str, Any], kind: str) -> None:
    """FormatError unless ``body`` is a well-formed ``kind`` record body (SPEC §7, §16)."""
    try:
        ok = body["v"] == 1 and isinstance(body["case"], str) and bool(_HEX32.fullmatch(body["id"]))
        # a time without a zone would sort by each machine's local clock (SPEC §7: UTC order)
        at = dt.datetime.fromisoformat(body["at"])
        ok = ok and at.tzinfo is not None
        if ok:
            at.astimezone(dt.UTC)  # order_key's conversion must not overflow (0001-01-01+01:00)
        if kind == "status":
            ok = ok and body["state"] in STATES
            ok = ok and (body["state"] == "escalated") == bool(body.get("authority"))
            ok = ok and isinstance(body.get("authority"), str | None)  # S|null, never a list
        elif kind == tracking.KIND:  # SPEC §16
            ok = ok and tracking.fields_ok(body)
        elif kind == "link":  # SPEC §15: its own members (crypto.links, imported late: it uses us)
            from .links import check_fields

            check_fields(body)
        else:
            ok = ok and bool(_HEX64.fullmatch(body["envelope_sha256"]))
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise FormatError(f"malformed {kind} record") from exc
    if not ok:
        raise FormatError(f"malformed {kind} record")


def order_key(body: dict[str, Any]) -> tuple[str, str]:
    """Sort key that every laptop and the server agree on: time, then random id."""
    return (dt.datetime.fromisoformat(body["at"]).astimezone(dt.UTC).isoformat(), body["id"])
