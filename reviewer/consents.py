"""The reporter's consent as it stands now: the report's, overridden by later changes (SPEC §14).

:class:`reviewer.case.Case` calls :func:`effective` once when it parses a case, so
``Case.consent_authorities`` and each evidence item's ``share`` are always the *latest* word —
every caller (the dossier, ``show``, statistics) honours it through the same fields.

Rules:

* changes apply in the order of their ``seq`` (sealed, signed with the receipt: SPEC §14.3),
  never the reporter's clock; changes from before ``seq`` existed come first, by their time
  then arrival; a change whose ``seq`` an earlier-arrived change holds is refused on import
  (:func:`refuse_taken_seqs`); a change names only what it changes;
* a change refused as forged (SPEC §12) changes nothing; an **unproven** one (a case from before
  §12, whose follow-ups the server could have written) may only *withdraw*: a server must not be
  able to widen what the reporter agreed to;
* a withdrawal on or after the day a dossier was sent to that authority is a *withdrawal after
  sending*: it cannot call the dossier back, so it is shown and flagged
  (``consent_withdrawn_after_dossier``) until a reviewer signs a record after it. "Sent" is
  read from structured codes only (SPEC §14.3): a ``sent`` tracking step (SPEC §16) whose
  ``authority`` code is the consent code, or a signed ``escalated`` status whose ``authority``
  is that code — never a prefix or a guess from free text ("KPKNL" is not KPK, a regional
  office's own code is not its national body's).

Leaks: nothing; pure functions over what the laptop already decrypted.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crypto import consent as cconsent
from crypto.document import Document
from crypto.errors import FormatError
from crypto.report_schema import CONSENT_CHOICES, CONSENT_OTHER

if TYPE_CHECKING:
    from .case import Message, Record

__all__ = [
    "WITHDRAWN_FLAG",
    "ConsentEvent",
    "Withdrawal",
    "effective",
    "events",
    "parse_stored",
    "refuse_taken_seqs",
    "status_code",
    "unanswered",
    "unanswered_withdrawal",
    "withdrawals_after_escalation",
]

WITHDRAWN_FLAG = "consent_withdrawn_after_dossier"
SENT_STAGE = "sent"  # the tracking stage that says a dossier left (reviewer/escalation/stages.json)


@dataclass(frozen=True)
class ConsentEvent:
    """One applied consent change, as :func:`events` found it."""

    when: dt.datetime
    change: cconsent.ConsentChange
    proven: bool

    @property
    def day(self) -> dt.date:
        """The UTC day of the change (what a dossier cites)."""
        return self.when.date()


@dataclass(frozen=True)
class Withdrawal:
    """Consent to ``authority`` withdrawn on ``event.day``, after a dossier was sent there on
    ``escalated`` — as the signed record ``via`` (``track`` or ``status``) says."""

    authority: str
    event: ConsentEvent
    escalated: dt.date
    via: str = "status"


def parse_stored(obj: Any) -> cconsent.ConsentChange | None:
    """The change a stored consent member holds, or None when it breaks SPEC §14."""
    if not isinstance(obj, Mapping):
        return None
    try:
        doc = Document(cconsent.TYPE, "", "server", consent=dict(obj))
        return cconsent.check(doc)
    except FormatError:
        return None


def _when(text: str) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return when.astimezone(dt.UTC) if when.tzinfo else None


def _narrowed(change: cconsent.ConsentChange) -> cconsent.ConsentChange:
    """Only the withdrawals of a change (what an unproven change may do)."""
    return cconsent.ConsentChange(
        {k: v for k, v in change.authorities.items() if not v},
        {k: v for k, v in change.evidence.items() if not v},
    )


def _order(change: cconsent.ConsentChange, when: dt.datetime, arrived: int) -> tuple[Any, ...]:
    """SPEC §14.3: changes without ``seq`` (written before it) first, by their time then
    arrival; then every sequenced change by its ``seq`` — never by the reporter's clock."""
    if change.seq is None:
        return (0, when, arrived)
    return (1, change.seq, arrived)


def events(messages: Sequence[Message]) -> list[ConsentEvent]:
    """The consent changes to apply, oldest first (SPEC §14.3 order). A change whose ``seq``
    an earlier-arrived change already holds is skipped (the importer refused it, with why)."""
    found: list[tuple[tuple[Any, ...], ConsentEvent]] = []
    taken: set[int] = set()
    for n, msg in enumerate(messages):
        if msg.type != cconsent.TYPE or not msg.readable or msg.proof == "forged" or msg.rejected:
            continue
        change, when = parse_stored(msg.consent), _when(msg.at)
        if change is None or when is None or change.seq in taken:
            continue
        if change.seq is not None:
            taken.add(change.seq)
        proven = msg.proof == "proven"
        event = ConsentEvent(when, change if proven else _narrowed(change), proven)
        found.append((_order(change, when, n), event))
    return [e for _key, e in sorted(found, key=lambda x: x[0])]


def refuse_taken_seqs(messages: Sequence[dict[str, Any]]) -> bool:
    """Refuse, in place, every consent change whose ``seq`` an earlier-arrived accepted change
    of the case already holds (SPEC §14.3): a replay under another envelope, or a conflicting
    second change. It changes nothing and says why (``rejected``). Only changes whose receipt
    signature was decided count, so a forged change can never take a genuine one's place.
    True when a change was refused now."""
    taken: set[int] = set()
    refused = False
    for msg in messages:
        if msg.get("type") != cconsent.TYPE or msg.get("proof") not in ("proven", "unproven"):
            continue
        seq = msg.get("consent", {}).get("seq") if "rejected" not in msg else None
        if seq is None:
            continue
        if seq in taken:
            msg.pop("consent")
            msg["rejected"] = f"consent seq {seq} is already held by an earlier change"
            refused = True
        taken.add(seq)
    return refused


def effective(
    authorities: Iterable[str], share: Mapping[str, bool], applied: Sequence[ConsentEvent]
) -> tuple[frozenset[str], dict[str, bool]]:
    """(authorities consented to now, evidence hash → shareable now)."""
    return cconsent.latest(authorities, share, (e.change for e in applied))


def status_code(authority: str | None) -> str | None:
    """The consent code an ``escalated`` status names (SPEC §14.3), or None.

    The reviewer tool signs the authority's code (``status``, ``track --set-status``); a
    status signed with free text is read exactly: its text without case, spaces or punctuation
    must *be* a listed code ("KemenPAN-RB" → ``kemenpanrb``), never merely begin with one.
    Any other name is a body outside the list, which only the consent ``other`` covers.
    """
    if not authority or not authority.strip():
        return None
    squashed = re.sub(r"[^a-z0-9]", "", authority.casefold())
    return squashed if squashed in CONSENT_CHOICES else CONSENT_OTHER


def _sent(record: Record) -> tuple[str, str] | None:
    """(consent code, ``track``/``status``) when ``record`` says a dossier went to a body."""
    if record.kind == "track" and record.stage == SENT_STAGE:  # codes of authorities.json
        step = record.authority or ""
        return (step, "track") if step in CONSENT_CHOICES else None
    if record.kind == "status" and record.state == "escalated":
        code = status_code(record.authority)
        return (code, "status") if code else None
    return None


def _sent_day(record: Record) -> dt.date:
    """The day the dossier left: a step's own ``day`` (the reviewer's calendar), else the
    record's day."""
    return dt.date.fromisoformat(record.step_day) if record.step_day else record.day


def withdrawals_after_escalation(
    records: Sequence[Record], applied: Sequence[ConsentEvent]
) -> list[Withdrawal]:
    """Withdrawals on or after the day a dossier was sent to the same authority code.

    A same-day withdrawal counts (days are all either side has, and a reviewer must look);
    the first sending names the day. Codes are compared exactly (:func:`status_code`).
    """
    sent: dict[str, tuple[dt.date, str]] = {}
    for record in records:
        found = _sent(record)
        if found and (found[0] not in sent or _sent_day(record) < sent[found[0]][0]):
            sent[found[0]] = (_sent_day(record), found[1])
    out = []
    for event in applied:
        for code, granted in event.change.authorities.items():
            if not granted and code in sent and sent[code][0] <= event.day:
                out.append(Withdrawal(code, event, *sent[code]))
    return out


def unanswered(records: Sequence[Record], found: Sequence[Withdrawal]) -> list[Withdrawal]:
    """The withdrawals after sending that no signed status or reply followed yet."""
    last = max((r.when for r in records if r.kind in ("status", "reply")), default=None)
    return [w for w in found if last is None or w.event.when >= last]


def unanswered_withdrawal(records: Sequence[Record], found: Sequence[Withdrawal]) -> dt.date | None:
    """The day of the first withdrawal after sending that no signed record followed, or None."""
    open_ = unanswered(records, found)
    return open_[0].event.day if open_ else None
