"""What happened after a dossier was sent: date sent, the authority's reference number, its
deadline, the outcome, and reminders when an authority is late.

The log is a list of plain entries (:meth:`TrackingLog.to_obj`, or JSON bytes); the caller
decides where it lives (the CLI keeps it in the encrypted case store's sealed index:
:func:`load` and :func:`save`, so it is encrypted at rest and changed atomically with it).
It holds case ids, authority names, dates and reference numbers;
no report content and nothing about the reporter.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, replace
from typing import Any, Protocol

from ..case import parse_day
from ..errors import TrackingError

META_KEY = "tracking"  # where the log lives in the store's sealed index
OUTCOMES = ("sanctioned", "not_proven", "no_response")
DEFAULT_ANSWER_DAYS = 30  # without a stated deadline, remind this long after sending
UNSENT_REMINDER_DAYS = 7  # a dossier made but not recorded as sent


@dataclass(frozen=True)
class Entry:
    """One escalation of one case to one authority."""

    case: str
    authority: str
    created: str  # day the dossier was made
    dossier_sha256: str = ""
    sent: str | None = None
    reference: str | None = None
    deadline: str | None = None
    outcome: str | None = None
    outcome_day: str | None = None
    reference_ours: str = ""  # the dossier's reference (BSK-…), what the authority will cite


@dataclass(frozen=True)
class Reminder:
    """An overdue entry and why: a catalogue key (``track.reason.*``) and its values."""

    entry: Entry
    reason: str
    values: dict[str, Any]


def _day(value: str | dt.date | None) -> str | None:
    try:
        day = parse_day(value)
    except ValueError as exc:
        raise TrackingError(f"not a date: {value!r}") from exc
    return day.isoformat() if day else None


class TrackingLog:
    """All tracked escalations; at most one entry per (case, authority)."""

    def __init__(self, entries: list[Entry] | None = None) -> None:
        self.entries: list[Entry] = list(entries or [])

    @classmethod
    def from_obj(cls, obj: Any) -> TrackingLog:
        """Parse what :meth:`to_obj` made; TrackingError if it is not that."""
        try:
            return cls([Entry(**e) for e in obj["entries"]])
        except (KeyError, TypeError) as exc:
            raise TrackingError("the tracking log is damaged") from exc

    def to_obj(self) -> dict[str, Any]:
        """A JSON-ready dict of the whole log."""
        return {"v": 1, "entries": [asdict(e) for e in self.entries]}

    @classmethod
    def from_bytes(cls, data: bytes) -> TrackingLog:
        """Parse what :meth:`to_bytes` wrote; TrackingError if it is not that."""
        try:
            obj = json.loads(data.decode("utf-8"))
        except ValueError as exc:
            raise TrackingError("the tracking log is damaged") from exc
        return cls.from_obj(obj)

    def to_bytes(self) -> bytes:
        """JSON bytes of the whole log."""
        return json.dumps(self.to_obj(), ensure_ascii=False, sort_keys=True).encode()

    def find(self, case: str, authority: str | None = None) -> list[Entry]:
        """Entries of ``case`` (for one ``authority`` name if given)."""
        return [e for e in self.entries if e.case == case and authority in (None, e.authority)]

    def record_dossier(
        self, case: str, authority: str, sha256: str, day: dt.date, reference_ours: str = ""
    ) -> Entry:
        """Note that a dossier was made (replaces the hash if one existed)."""
        old = self.find(case, authority)
        if old:
            entry = replace(old[0], dossier_sha256=sha256)
        else:
            entry = Entry(case, authority, day.isoformat(), sha256, reference_ours=reference_ours)
        self._put(entry)
        return entry

    def update(
        self,
        case: str,
        authority: str | None = None,
        *,
        sent: Any = None,
        reference: str | None = None,
        deadline: Any = None,
        outcome: str | None = None,
        outcome_day: Any = None,
        today: dt.date | None = None,
    ) -> Entry:
        """Set what is given on the case's entry (the only one, or the one for ``authority``)."""
        matches = self.find(case, authority)
        if len(matches) != 1:
            raise TrackingError(f"{len(matches)} escalations of case {case} match")
        if outcome is not None and outcome not in OUTCOMES:
            raise TrackingError(f"unknown outcome {outcome!r}")
        entry = matches[0]
        changes: dict[str, Any] = {}
        if sent is not None:
            changes["sent"] = _day(sent)
        if reference is not None:
            changes["reference"] = reference.strip()[:120]
        if deadline is not None:
            changes["deadline"] = _day(deadline)
        if outcome is not None:
            changes["outcome"] = outcome
            changes["outcome_day"] = _day(outcome_day) or (today or dt.date.today()).isoformat()
        new = replace(entry, **changes)
        self._put(new)
        return new

    def _put(self, entry: Entry) -> None:
        self.entries = [
            e for e in self.entries if (e.case, e.authority) != (entry.case, entry.authority)
        ] + [entry]
        self.entries.sort(key=lambda e: (e.created, e.case, e.authority))

    def overdue(self, today: dt.date, answer_days: int = DEFAULT_ANSWER_DAYS) -> list[Reminder]:
        """Open entries (no outcome yet) that need a nudge, oldest first."""
        out: list[Reminder] = []
        for e in self.entries:
            if e.outcome is not None:
                continue
            if e.deadline and dt.date.fromisoformat(e.deadline) < today:
                out.append(Reminder(e, "track.reason.deadline", {"deadline": e.deadline}))
            elif (
                e.sent
                and not e.deadline
                and dt.date.fromisoformat(e.sent) + dt.timedelta(answer_days) < today
            ):
                out.append(
                    Reminder(e, "track.reason.no_deadline", {"sent": e.sent, "days": answer_days})
                )
            elif (
                not e.sent
                and dt.date.fromisoformat(e.created) + dt.timedelta(UNSENT_REMINDER_DAYS) < today
            ):
                out.append(Reminder(e, "track.reason.not_sent", {"created": e.created}))
        return out

    def sanctioned_cases(self) -> set[str]:
        """Cases at least one authority sanctioned (for the statistics funnel)."""
        return {e.case for e in self.entries if e.outcome == "sanctioned"}

    def escalated_cases(self) -> set[str]:
        """Cases with at least one dossier."""
        return {e.case for e in self.entries}


class _Store(Protocol):
    @property
    def meta(self) -> dict[str, Any]: ...

    def transaction(self) -> Any: ...


def load(store: _Store) -> TrackingLog:
    """The tracking log kept in the store's sealed index (empty if none yet)."""
    return TrackingLog.from_obj(store.meta.get(META_KEY) or {"v": 1, "entries": []})


def save(store: _Store, log: TrackingLog) -> None:
    """Replace the tracking log in one store transaction."""
    with store.transaction() as tx:
        tx.meta[META_KEY] = log.to_obj()
