"""The reporter's consent as it stands now: the report's, overridden by later changes (SPEC §14).

:class:`reviewer.case.Case` calls :func:`effective` once when it parses a case, so
``Case.consent_authorities`` and each evidence item's ``share`` are always the *latest* word —
every caller (the dossier, ``show``, statistics) honours it through the same fields.

Rules:

* changes apply in the order of their own time (``submitted_at``, inside the sealed document),
  then the order they arrived; a change names only what it changes;
* a change refused as forged (SPEC §12) changes nothing; an **unproven** one (a case from before
  §12, whose follow-ups the server could have written) may only *withdraw*: a server must not be
  able to widen what the reporter agreed to;
* a withdrawal dated after the case was escalated to that authority (a signed ``escalated``
  status naming it) is a *withdrawal after sending*: it cannot call the dossier back, so it is
  shown and flagged (``consent_withdrawn_after_dossier``) until a reviewer signs a record after it.

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

if TYPE_CHECKING:
    from .case import Message, Record

__all__ = [
    "WITHDRAWN_FLAG",
    "ConsentEvent",
    "Withdrawal",
    "effective",
    "events",
    "parse_stored",
    "unanswered_withdrawal",
    "withdrawals_after_escalation",
]

WITHDRAWN_FLAG = "consent_withdrawn_after_dossier"


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
    """Consent to ``authority`` withdrawn on ``event.day``, after it was escalated there."""

    authority: str
    event: ConsentEvent
    escalated: dt.date


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


def events(messages: Sequence[Message]) -> list[ConsentEvent]:
    """The consent changes to apply, oldest first (time, then arrival)."""
    found: list[tuple[dt.datetime, int, ConsentEvent]] = []
    for n, msg in enumerate(messages):
        if msg.type != cconsent.TYPE or not msg.readable or msg.proof == "forged":
            continue
        change, when = parse_stored(msg.consent), _when(msg.at)
        if change is None or when is None:
            continue
        proven = msg.proof == "proven"
        found.append((when, n, ConsentEvent(when, change if proven else _narrowed(change), proven)))
    return [e for _w, _n, e in sorted(found, key=lambda x: (x[0], x[1]))]


def effective(
    authorities: Iterable[str], share: Mapping[str, bool], applied: Sequence[ConsentEvent]
) -> tuple[frozenset[str], dict[str, bool]]:
    """(authorities consented to now, evidence hash → shareable now)."""
    return cconsent.latest(authorities, share, (e.change for e in applied))


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.casefold())


def withdrawals_after_escalation(
    records: Sequence[Record], applied: Sequence[ConsentEvent]
) -> list[Withdrawal]:
    """Withdrawals dated after a signed ``escalated`` status to the same authority.

    The status names the authority as the reviewer or ``track`` wrote it ("BKN", "Ombudsman
    RI"); it matches a consent code when, without case, spaces or punctuation, it begins with
    the code ("ombudsmanri" → ``ombudsman``). The escalation package's alias table is not used:
    the core does not import it (an import contract).
    """
    out = []
    for event in applied:
        for code, granted in event.change.authorities.items():
            if granted:
                continue
            sent = [
                r
                for r in records
                if r.kind == "status"
                and r.state == "escalated"
                and _squash(r.authority or "").startswith(code)
                and r.when <= event.when
            ]
            if sent:
                out.append(Withdrawal(code, event, sent[0].day))
    return out


def unanswered_withdrawal(records: Sequence[Record], found: Sequence[Withdrawal]) -> dt.date | None:
    """The day of the first withdrawal after sending that no signed record followed, or None."""
    last = max((r.when for r in records if r.kind in ("status", "reply")), default=None)
    for w in found:
        if last is None or w.event.when >= last:
            return w.event.day
    return None
