"""The plain view of one case that evidence export, escalation and statistics work on.

The local case store (owned by the reviewer core) is encrypted; callers decrypt a case and
hand it here either as :class:`CaseFacts` or as a dict (:meth:`CaseFacts.from_dict`). Only
day-precision dates are kept: the precise submission time stays inside the envelope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crypto.errors import FormatError

from .regulations import canonical_category

# Where each fact is in a report's fields: the names of crypto.report_schema (SPEC §10).
_FIELD = {"category": "category", "region": "province", "incident_date": "incident_month",
          "election": "election"}  # fmt: skip


@dataclass(frozen=True)
class EvidenceItem:
    """One evidence file of a case; ``path`` is its decrypted copy, if the caller made one."""

    envelope_sha256: str
    name: str
    media_type: str = "application/octet-stream"
    size: int = 0
    share: bool = False
    path: Path | None = None


@dataclass(frozen=True)
class StatusEvent:
    """One status change: a state of ``crypto.records.STATES`` on a day."""

    state: str
    day: dt.date
    authority: str | None = None


@dataclass(frozen=True)
class CaseFacts:
    """What the tools need to know about a case. ``fields`` are the reporter's form answers."""

    case_id: str
    received_day: dt.date
    category: str = "other"
    region: str = ""
    incident_date: dt.date | None = None
    election: str = ""
    fields: Mapping[str, Any] = field(default_factory=dict)
    evidence: Sequence[EvidenceItem] = ()
    status_history: Sequence[StatusEvent] = ()
    consent_authorities: frozenset[str] = frozenset()
    acknowledged_day: dt.date | None = None  # first signed record; else the first status
    incident_label: str = ""  # as the reporter gave it ("2024-11", "2024"); shown in dossiers
    # Retaliation reports sent later with the receipt: their form fields (kind, text,
    # retaliation_kind, retaliation_month); never their precise submission time.
    retaliations: Sequence[Mapping[str, str]] = ()

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> CaseFacts:
        """Build from a plain dict (the store's case, or a test's); FormatError if malformed."""
        try:
            fields = dict(obj.get("fields") or {})
            received = parse_day(obj.get("received_day") or obj.get("received"))
            if received is None:
                raise FormatError("a case needs its received day")
            incident = _pick(obj, fields, "incident_date")
            election = " ".join(str(x) for x in (_pick(obj, fields, "election"),
                                                 fields.get("election_year")) if x)  # fmt: skip
            return cls(
                case_id=str(obj["case_id"] if "case_id" in obj else obj["id"]),
                received_day=received,
                category=canonical_category(str(_pick(obj, fields, "category") or "other")),
                region=str(_pick(obj, fields, "region") or ""),
                incident_date=parse_incident(incident),
                election=election,
                incident_label=str(incident or ""),
                retaliations=tuple(dict(r) for r in obj.get("retaliations") or ()),
                fields=fields,
                evidence=tuple(_evidence(e) for e in obj.get("evidence") or ()),
                status_history=tuple(_status(s) for s in obj.get("status_history") or ()),
                consent_authorities=consent_set(obj.get("consent") or {}),
                acknowledged_day=parse_day(obj.get("acknowledged_day")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, FormatError):
                raise
            raise FormatError("incomplete case") from exc

    def ack_day(self) -> dt.date | None:
        """The day the case was acknowledged: given, or the first status change recorded."""
        if self.acknowledged_day is not None:
            return self.acknowledged_day
        return min((s.day for s in self.status_history), default=None)

    def states(self) -> set[str]:
        """Every state the case has been in."""
        return {s.state for s in self.status_history}


def _pick(obj: Mapping[str, Any], fields: Mapping[str, Any], key: str) -> Any:
    """``key`` given directly in ``obj`` (a test's or a caller's dict), else its report field."""
    for value in (obj.get(key), fields.get(_FIELD[key])):
        if value:
            return value[0] if isinstance(value, list) and value else value
    return None


def parse_day(value: Any) -> dt.date | None:
    """A date from ``YYYY-MM-DD``, an ISO timestamp (its UTC day), a date, or None.
    ValueError on anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).date() if value.tzinfo else value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if len(text) == 10:
        return dt.date.fromisoformat(text)
    return parse_day(dt.datetime.fromisoformat(text))


def parse_incident(value: Any) -> dt.date | None:
    """The incident day used for phases: a full date as is; a month only ("2024-11", what the
    intake form asks) as the 15th, the middle of the month; a year only or nothing as None."""
    text = "" if value is None else str(value).strip()
    if len(text) == 7:
        return dt.date.fromisoformat(text + "-15")
    if len(text) == 4 and text.isdigit():
        return None
    return parse_day(value)


def _evidence(obj: Any) -> EvidenceItem:
    if isinstance(obj, EvidenceItem):
        return obj
    path = obj.get("path")
    return EvidenceItem(
        envelope_sha256=str(obj["envelope_sha256"]), name=str(obj.get("name") or ""),
        media_type=str(obj.get("media_type") or "application/octet-stream"),
        size=int(obj.get("size") or 0), share=bool(obj.get("share", False)),
        path=Path(path) if path else None,
    )  # fmt: skip


def _status(obj: Any) -> StatusEvent:
    if isinstance(obj, StatusEvent):
        return obj
    day = parse_day(obj.get("day") or obj.get("at"))
    if day is None:
        raise FormatError("a status event needs a day")
    return StatusEvent(str(obj["state"]), day, obj.get("authority"))


def consent_set(consent: Mapping[str, Any]) -> frozenset[str]:
    """Authority codes the reporter agreed may receive a de-identified dossier.

    Accepted shapes: ``{"authorities": [codes]}`` (also ``share_with``), or
    ``{"authorities": {code: true/false}}``. Anything else means no consent.
    """
    raw = consent.get("authorities", consent.get("share_with", ()))
    if isinstance(raw, Mapping):
        raw = [k for k, v in raw.items() if v is True]
    if isinstance(raw, str) or not isinstance(raw, Sequence):
        return frozenset()
    return frozenset(str(x) for x in raw)
