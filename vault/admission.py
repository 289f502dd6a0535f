"""The checks a record or a follow-up passes before the vault stores it: a follow-up signed by
its case's receipt key (crypto/SPEC.md §12), a signed record that names its case, and an order
key computed from the record itself (never trusted from the caller).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crypto import followup, records, signed
from crypto.errors import FormatError, SignatureError
from crypto.keys import load_ed25519_public

from .entries import OrderKey
from .errors import RecordMismatchError, UnprovenFollowupError


def proven_followup(
    followup_public: bytes | None,
    case_id: str,
    kind: str,
    blob_sha: str,
    evidence_shas: Sequence[str],
    signature: bytes | None,
) -> bytes | None:
    """The follow-up signature to store, checked before anything is (crypto/SPEC.md §12).

    A case with a follow-up key takes only items its key signed for exactly this case, kind,
    envelope and evidence list (UnprovenFollowupError otherwise). A case from before §12 has
    no key: its items are stored unsigned (None), and the reviewer sees them as unproven.
    """
    if followup_public is None:
        return None
    if signature is None:
        raise UnprovenFollowupError("this case takes only follow-ups signed by its key")
    try:
        key = load_ed25519_public(followup_public)
        followup.verify(signature, key, case_id, kind, blob_sha, evidence_shas)
    except (SignatureError, FormatError) as exc:
        raise UnprovenFollowupError("the follow-up signature does not verify") from exc
    return signature


def normalize_order_key(order_key: OrderKey, record: bytes) -> str:
    """The stored form ``"<UTC ISO time>|<record id>"`` of a record's order key.

    Always computed from the record body (crypto.records.order_key); a key the caller passes
    must agree with it, so a wrong key can never promote an older status.
    """
    try:
        body = signed.body_of(record)
    except (FormatError, ValueError) as exc:
        raise RecordMismatchError("the record has no valid time and id") from exc
    return order_key_of(order_key, body)


def order_key_of(order_key: OrderKey, body: Any) -> str:
    """The order key computed from a record body; RecordMismatchError if a given key differs."""
    try:
        at, rid = records.order_key(body)
    except (FormatError, KeyError, TypeError, ValueError) as exc:
        raise RecordMismatchError("the record has no valid time and id") from exc
    computed = f"{at}|{rid}"
    given = (
        None
        if order_key is None
        else (order_key if isinstance(order_key, str) else "|".join(order_key))
    )
    if given is not None and given != computed:
        raise RecordMismatchError("the order key does not match the record")
    return computed


def record_body(record: bytes, case_id: str) -> dict[str, Any]:
    """The body of a signed record that names ``case_id``; RecordMismatchError otherwise."""
    try:
        body = signed.body_of(record)
    except (FormatError, ValueError) as exc:
        raise RecordMismatchError("not a signed record") from exc
    if not isinstance(body, dict) or body.get("case") != case_id:
        raise RecordMismatchError("the record names another case")
    return body
