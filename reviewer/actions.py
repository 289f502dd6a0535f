"""What a reviewer does to a case: notes, triage fields, assignment, signed statuses, replies.

Every function changes the store in one transaction. Statuses and replies are signed with the
reviewer's Ed25519 key (``crypto.records``), added to the case's own history at once, and
queued in the store's *pending* list until :mod:`reviewer.outbox` writes them to a return
bundle. A reply is a ``crypto.document`` of type ``reply`` sealed to the reporter's reply key
and to the active reviewers the case was addressed to (never to one the reporter left out).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from crypto import document as cdoc
from crypto import envelope
from crypto import records as crecords
from crypto.directory import Directory
from crypto.encoding import b64u_encode
from crypto.keys import key_id, load_x25519_public

from .case import SEVERITIES, add_record, summarise
from .errors import UsageError
from .home import Config
from .identity import Identity
from .store import CaseStore
from .vocabulary import CATEGORIES, ROLES

MAX_NOTE = 20_000
MAX_REPLY = 100_000


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def next_at(case: dict[str, Any]) -> str:
    """Now, or one second after the case's newest record if that is not earlier.

    Records carry whole seconds and tie-break on a random id (crypto.records.order_key), so two
    changes within one second would otherwise be ordered by chance: "escalated" then
    "in_review" typed quickly could end as "in_review".
    """
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for rec in case["records"]:
        at = dt.datetime.fromisoformat(rec["body"]["at"]).astimezone(dt.UTC)
        if at >= now:
            now = at + dt.timedelta(seconds=1)
    return now.isoformat()


def _save(
    store: CaseStore, case: dict[str, Any], config: Config, pending: dict[str, Any] | None = None
) -> None:
    with store.transaction() as tx:
        tx.put_case(case["id"], case, summarise(case))
        if pending is not None:
            tx.meta["pending"] = [*tx.meta.get("pending", []), pending]


def _readable(case: dict[str, Any]) -> None:
    if not case["readable"]:
        raise UsageError("err.case_unreadable", case=case["id"])


def add_note(store: CaseStore, ident: Identity, config: Config, case_id: str, text: str) -> None:
    """A private note: stays in this laptop's encrypted store, never in any bundle."""
    text = text.strip()
    if not text or len(text) > MAX_NOTE:
        raise UsageError("err.note_length", n=MAX_NOTE)
    case = store.load_case(case_id)
    case["notes"].append({"at": _now(), "by": ident.id, "text": text, "id": secrets.token_hex(8)})
    _save(store, case, config)


def set_fields(
    store: CaseStore,
    config: Config,
    case_id: str,
    *,
    category: str | None = None,
    severity: str | None = None,
    role: str | None = None,
) -> None:
    """Local triage: override the category (a code of the report form; ``""`` goes back to
    the reporter's), set the severity (low … critical), state the reported person's role (a
    code of :data:`vocabulary.ROLES`; ``""`` clears it)."""
    if severity is not None and severity not in SEVERITIES:
        raise UsageError("err.severity", choices=", ".join(SEVERITIES))
    if category and category.strip() not in CATEGORIES:
        raise UsageError("err.category", choices=", ".join(CATEGORIES))
    if role and role.strip() not in ROLES:
        raise UsageError("err.role_reported", role=role, choices=", ".join(ROLES))
    if category is None and severity is None and role is None:
        raise UsageError("err.nothing_to_set")
    case = store.load_case(case_id)
    if category is not None:
        case["category"] = category.strip() or None
    if severity is not None:
        case["severity"] = severity
    if role is not None:
        case["role"] = role.strip() or None
    _save(store, case, config)


def assign(store: CaseStore, config: Config, directory: Directory, case_id: str, who: str) -> None:
    """Assign the case to a reviewer of the directory (local bookkeeping, not signed)."""
    if who != "-" and who not in {r.id for r in directory.active_reviewers()}:
        raise UsageError("err.unknown_reviewer", id=who)
    case = store.load_case(case_id)
    case["assigned"] = None if who == "-" else who
    _save(store, case, config)


def set_status(
    store: CaseStore,
    ident: Identity,
    config: Config,
    directory: Directory,
    case_id: str,
    state: str,
    authority: str | None = None,
) -> dict[str, Any]:
    """Sign a status change, record it, queue it for the outbox; returns the record body."""
    if state not in crecords.STATES:
        raise UsageError("err.state", choices=", ".join(crecords.STATES))
    if (state == "escalated") != bool(authority and authority.strip()):
        raise UsageError("err.authority")
    case = store.load_case(case_id)
    _readable(case)  # never sign the state of a case you cannot read
    raw = crecords.status(
        ident.keys.signing,
        case["id"],
        state,
        at=next_at(case),
        authority=authority.strip() if authority else None,
    )
    body, reviewer = crecords.verify(raw, directory, "status")  # also proves we are in it
    record_signed(store, config, case, "status", raw, body, reviewer.id)
    return body


def record_signed(
    store: CaseStore,
    config: Config,
    case: dict[str, Any],
    kind: str,
    raw: bytes,
    body: dict[str, Any],
    by: str,
) -> None:
    """Add a signed record this reviewer just made (verified: ``body``) to the case and queue it
    for the outbox, in one transaction (a status, or a tracking step of SPEC §16)."""
    add_record(case, kind, raw.decode(), body, by)
    _save(
        store,
        case,
        config,
        {"id": body["id"], "kind": kind, "case": case["id"], "record": raw.decode(), "sent": 0},
    )


def case_reviewer_keys(case: dict[str, Any], directory: Directory) -> list[X25519PublicKey]:
    """X25519 keys of the active reviewers the case was addressed to (its ``recipients``)
    and, where known, whom the reporter sealed the report to (its header's key ids: a server
    that adds a reviewer to a case's recipients later cannot widen who reads the replies).

    A reply goes to these and the reporter only: a reviewer the reporter left out must not be
    able to read the answer either, and the server refuses an outbox whose reply names any
    other key (vault/BUNDLE.md rule 19). UsageError if none is active any more.
    """
    chosen = set(case.get("recipients") or [])
    sealed_to = case.get("report_recipients")  # key ids in the report's own header
    keys = [
        r.keys.encryption
        for r in directory.active_reviewers()
        if r.id in chosen and (sealed_to is None or key_id(r.keys.encryption).hex() in sealed_to)
    ]
    if not keys:
        raise UsageError("err.case_unreadable", case=case["id"])
    return keys


def reply(
    store: CaseStore, ident: Identity, config: Config, directory: Directory, case_id: str, text: str
) -> dict[str, Any]:
    """Seal a reply to the reporter (and the reviewers), sign it, queue it; returns the body."""
    text = text.strip()
    if not text or len(text) > MAX_REPLY:
        raise UsageError("err.reply_length", n=MAX_REPLY)
    case = store.load_case(case_id)
    _readable(case)
    reporter = load_x25519_public(case["report"]["reply_key"])
    doc = cdoc.Document("reply", cdoc.now(), "reviewer", {"message": text})
    sealed = envelope.seal(doc.to_bytes(), [reporter, *case_reviewer_keys(case, directory)])
    sha = hashlib.sha256(sealed).hexdigest()
    raw = crecords.reply(ident.keys.signing, case["id"], sha, at=next_at(case))
    body, reviewer = crecords.verify(raw, directory, "reply")
    add_record(case, "reply", raw.decode(), body, reviewer.id)
    case["messages"].append(
        {
            "sha256": sha,
            "type": "reply",
            "readable": True,
            "at": doc.submitted_at,
            "channel": "reviewer",
            "fields": {"message": text},
            "by": ident.id,
        }
    )
    _save(
        store,
        case,
        config,
        {
            "id": body["id"],
            "kind": "reply",
            "case": case["id"],
            "record": raw.decode(),
            "envelope": b64u_encode(sealed),
            "sent": 0,
        },
    )
    return body
