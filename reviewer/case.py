"""The one typed model of a case: what every reader of the store works on.

The store keeps each case as a JSON record (written by the importer and by the actions, see
:func:`new_record`); :meth:`Case.from_store` parses such a record once into frozen dataclasses.
``show``, ``evidence``, ``escalate`` and ``stats`` read only :class:`Case` — never the
record's keys — and the store's index entry for ``list`` and ``due`` is made from the same
model (:meth:`Case.summary`), so every command sees one truth.

Parsing never fails on what a reporter wrote: an impossible incident month ("2024-13"), an
unknown category code, a province that is not one, a field the form does not have — each is
kept as written where it is shown (:attr:`Case.fields`) and read as *unknown* where it is used
(no incident day, category ``other``, no region). Only the reporter's fields named in
:mod:`reviewer.vocabulary` have meaning; the rest are listed apart (:meth:`Case.other_fields`).

Dates are kept to the day: the precise submission time stays in the record for the timeline
(:attr:`Case.submitted_at`) and is never used for statistics or dossiers.

Leaks: nothing is written here. A :class:`Case` holds decrypted report content in memory for
as long as it is referenced (the open store keeps the ones it parsed until it is closed).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crypto import records as crecords
from crypto.errors import FormatError

from . import activity, consents
from . import vocabulary as vocab

__all__ = [
    "CLOSED_STATES",
    "DAMAGED",
    "FEEDBACK_STATES",
    "NOT_FOR_ME",
    "SEVERITIES",
    "Case",
    "EvidenceItem",
    "Message",
    "Note",
    "Record",
    "StatusEvent",
    "add_record",
    "consent_set",
    "new_record",
    "parse_day",
    "parse_incident",
    "summarise",
]

FEEDBACK_STATES = frozenset(
    {
        "need_info",
        "escalated",
        "closed_substantiated",
        "closed_unsubstantiated",
        "closed_outside_mandate",
    }
)
CLOSED_STATES = frozenset(s for s in crecords.STATES if s.startswith("closed_"))
SEVERITIES = ("low", "medium", "high", "critical")
NOT_FOR_ME = "not_for_me"  # the envelope names no stanza for this reviewer's key
DAMAGED = "damaged"  # addressed to this reviewer, but it does not open: altered or forged


@dataclass(frozen=True)
class EvidenceItem:
    """One evidence file of a case.

    ``check`` is the import's verdict (``ok``, ``missing``, ``mismatch``, ``unlisted``; empty
    if not checked); ``path`` the decrypted copy, set only inside
    :func:`reviewer.plaintext.decrypted_evidence`. ``name`` is the reporter's file name: show
    it (through the terminal filter), never use it as a path.
    """

    envelope_sha256: str
    name: str = ""
    media_type: str = "application/octet-stream"
    size: int = 0
    share: bool = False
    path: Path | None = None
    envelope_mac: str = ""
    check: str = ""


@dataclass(frozen=True)
class StatusEvent:
    """One status change: a state of ``crypto.records.STATES`` on a day."""

    state: str
    day: dt.date
    authority: str | None = None


@dataclass(frozen=True)
class Record:
    """A verified signed record of a case (``kind`` ``status``, ``reply``, ``link`` or ``track``)
    and its signer.

    ``by`` is the reviewer id (``"id (revoked)"`` for a key revoked since); ``raw`` the signed
    bytes as text, kept so the record can be sent on unchanged.
    """

    kind: str
    id: str
    at: str
    by: str
    raw: str = ""
    state: str | None = None
    authority: str | None = None
    envelope_sha256: str | None = None
    stage: str | None = None  # a tracking step's (SPEC §16): stage, day, reference, level
    step_day: str | None = None
    reference: str | None = None
    level: str | None = None
    other: str | None = None  # a link record's old case, and its choices (SPEC §15)
    linked: bool = False
    share: bool = False
    when: dt.datetime = field(default=dt.datetime.min.replace(tzinfo=dt.UTC), repr=False)

    @property
    def day(self) -> dt.date:
        """The UTC day of the record."""
        return self.when.date()


@dataclass(frozen=True)
class Message:
    """A follow-up (``message``, ``retaliation``) or a reply, as stored.

    ``readable`` False: ``unreadable`` says why (:data:`NOT_FOR_ME` or :data:`DAMAGED`).
    ``by`` is set only for replies this laptop wrote; other replies are attributed by the
    signed reply record that names ``sha256`` (:meth:`Case.reply_signer`).
    """

    sha256: str
    type: str
    readable: bool
    at: str = ""
    channel: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)
    evidence: tuple[EvidenceItem, ...] = ()
    by: str | None = None
    unreadable: str | None = None
    # The receipt-key signature of a reporter's follow-up (crypto/SPEC.md §12): "proven",
    # "unproven" (an old case without a published key: the server could have written it),
    # "forged" (refused on import, content dropped), or None for replies.
    proof: str | None = None
    # A consent change's body (SPEC §14), as the importer checked it; empty for other types.
    consent: Mapping[str, Any] = field(default_factory=dict)
    rejected: str | None = None  # why a consent change was refused (it changes nothing)
    # the id of the newest status record this laptop knew when the item arrived (what makes
    # "sent after closure" independent of the sender's clock: reviewer.activity)
    after_status: str | None = None


@dataclass(frozen=True)
class Note:
    """A private note: never leaves this laptop."""

    at: str
    by: str
    text: str


@dataclass(frozen=True)
class Case:
    """One case, parsed. The first fields are what dossiers and statistics need; a
    test may build a Case directly from them. ``fields`` are the reporter's form answers
    exactly as sent (text only; see :meth:`report_fields`)."""

    case_id: str
    received_day: dt.date
    category: str = "other"  # a code of vocabulary.CATEGORIES (triage override first)
    region: str = ""  # a province of vocabulary.PROVINCES, or "" when not one
    incident_date: dt.date | None = None
    election: str = ""  # "pilkada 2024": code and year as the reporter gave them
    fields: Mapping[str, Any] = field(default_factory=dict)
    evidence: Sequence[EvidenceItem] = ()
    status_history: Sequence[StatusEvent] = ()
    consent_authorities: frozenset[str] = frozenset()
    acknowledged_day: dt.date | None = None  # first signed record; else the first status
    incident_label: str = ""  # as the reporter gave it ("2024-11", "2024"), if it is a date
    # Retaliation reports sent later with the receipt: their form fields (kind, text,
    # retaliation_kind, retaliation_month); never their precise submission time.
    retaliations: Sequence[Mapping[str, str]] = ()
    readable: bool = True
    unreadable: str | None = None
    recipients: tuple[str, ...] = ()
    submitted_at: str = ""
    records: tuple[Record, ...] = ()
    messages: tuple[Message, ...] = ()
    notes: tuple[Note, ...] = ()
    evidence_check: tuple[EvidenceItem, ...] = ()
    severity: str | None = None
    assigned: str | None = None
    flags: tuple[str, ...] = ()
    consent: Mapping[str, Any] = field(default_factory=dict)
    # The reported person's role as a reviewer stated it in triage (a code the escalation
    # rules know); None when not stated.
    role: str | None = None
    # Consent changes sent later with the receipt (SPEC §14), oldest first, as applied to
    # consent_authorities and each evidence item's share; and withdrawals after escalation.
    consent_events: tuple[consents.ConsentEvent, ...] = ()
    consent_withdrawals: tuple[consents.Withdrawal, ...] = ()

    @classmethod
    def from_store(cls, obj: Mapping[str, Any]) -> Case:
        """Parse one stored case record; FormatError only if the record itself (not what the
        reporter wrote) is broken: no id, no received day, a malformed record."""
        try:
            return _parse(obj)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise FormatError("a stored case record is incomplete") from exc

    # -- status and deadlines ----------------------------------------------------------------
    @property
    def status(self) -> tuple[str, str | None]:
        """(state, authority) of the newest status record; ``received`` if there is none."""
        statuses = [r for r in self.records if r.kind == "status"]
        if not statuses:
            return "received", None
        return statuses[-1].state or "received", statuses[-1].authority

    def first_dates(self) -> tuple[dt.date | None, dt.date | None]:
        """(acknowledged day, first-feedback day): any signed record acknowledges; a reply or
        a status that tells the reporter something (need_info, escalated, closed) is feedback."""
        ack = fb = None
        for rec in self.records:
            ack = ack or rec.day
            if rec.kind == "reply" or rec.state in FEEDBACK_STATES:
                fb = fb or rec.day
        return ack, fb

    def ack_day(self) -> dt.date | None:
        """The day the case was acknowledged: given, or the first status change recorded."""
        if self.acknowledged_day is not None:
            return self.acknowledged_day
        return min((s.day for s in self.status_history), default=None)

    def states(self) -> set[str]:
        """Every state the case has been in."""
        return {s.state for s in self.status_history}

    # -- the reporter's fields -------------------------------------------------------------
    def report_fields(self) -> list[tuple[str, str]]:
        """(field name, text) of the report's fields the form defines, in the form's order;
        only these may be shown under a label of the tool's own."""
        return [
            (n, _text(self.fields[n])) for n in vocab.REPORT_FIELDS if _text(self.fields.get(n))
        ]

    def other_fields(self) -> list[tuple[str, str]]:
        """(name as sent, text) of fields the form does not define: the sender's invention."""
        return sorted(
            (str(n), _text(v)) for n, v in self.fields.items() if n not in vocab.REPORT_FIELDS
        )

    def reply_signer(self, message: Message) -> str | None:
        """Who signed the reply record naming ``message``'s envelope, if anyone did."""
        for rec in self.records:
            if rec.kind == "reply" and rec.envelope_sha256 == message.sha256:
                return rec.by
        return message.by

    def with_evidence_paths(self, paths: Mapping[str, Path]) -> Case:
        """This case with ``path`` set on the evidence decrypted into ``paths`` (sha → file)."""
        return dataclasses.replace(
            self,
            evidence=tuple(
                dataclasses.replace(e, path=paths.get(e.envelope_sha256)) for e in self.evidence
            ),
        )

    @property
    def consent_day(self) -> dt.date:
        """The day of the consent now in force: the latest change's, else the report's."""
        return self.consent_events[-1].day if self.consent_events else self.received_day

    def links(self) -> list[Record]:
        """The cases this one is linked to now (SPEC §15): per old case, the newest link
        record, kept when it links (an unlink record ends it)."""
        newest = {r.other: r for r in self.records if r.kind == "link"}  # records are ordered
        return [r for r in newest.values() if r.linked]

    # -- late activity (reviewer.activity) ---------------------------------------------------
    def late_messages(self) -> list[Message]:
        """The reporter's items written after the case was closed, oldest first."""
        return [m for _when, m in activity.late_items(self.records, self.messages)]

    def computed_flags(self) -> tuple[str, ...]:
        """The stored flags, plus ``late_activity`` while the closed case has later items and
        ``consent_withdrawn_after_dossier`` once consent was withdrawn after escalation."""
        late = (activity.FLAG,) if self.late_messages() else ()
        withdrawn = (consents.WITHDRAWN_FLAG,) if self.consent_withdrawals else ()
        return tuple(sorted(set(self.flags) | set(late) | set(withdrawn)))

    # -- the index entry -----------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """The store index's entry for this case: everything ``list`` and ``due`` need.

        ``late`` is the day of the first unanswered item sent after closure (the re-armed
        acknowledgement deadline runs from it), or None.
        """
        state, authority = self.status
        ack, fb = self.first_dates()
        late = activity.unanswered_since(self.records, self.messages)
        withdrawn = consents.unanswered_withdrawal(self.records, self.consent_withdrawals)
        return {
            "st": state,
            "auth": authority,
            "rcv": self.received_day.isoformat(),
            "rd": self.readable,
            "cat": self.category if self.readable else None,
            "reg": self.region or None,
            "sev": self.severity,
            "asg": self.assigned,
            "fl": list(self.computed_flags()),
            "ack": ack.isoformat() if ack else None,
            "fb": fb.isoformat() if fb else None,
            "ne": len(self.evidence),
            "nm": len(self.messages),
            "nn": len(self.notes),
            "trk": self.last_step(),
            "late": late.isoformat() if late else None,
            "wd": withdrawn.isoformat() if withdrawn else None,
            "wda": sorted(
                {w.authority for w in consents.unanswered(self.records, self.consent_withdrawals)}
            ),
            "ln": sorted(str(r.other) for r in self.links()),
        }

    def last_step(self) -> list[str] | None:
        """``[stage, day]`` of the newest tracking step (SPEC §16 order), for ``due``."""
        steps = sorted(
            (r for r in self.records if r.kind == "track" and r.step_day),
            key=lambda r: (r.step_day or "", r.when, r.id),
        )
        return [steps[-1].stage or "", steps[-1].step_day or ""] if steps else None


# -- parsing -----------------------------------------------------------------------------------
def _text(value: Any) -> str:
    if type(value) is str:  # the common case first: parsing runs for every case on import
        return value
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _code(value: Any, codes: Sequence[str]) -> str | None:
    text = _text(value).strip().lower()
    return text if text in codes else None


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
    intake form asks) as the 15th, the middle of the month; a year only, nothing, or anything
    that is no real date ("2024-13", "kemarin") as None. Never raises: the value is the
    reporter's, and one impossible month must not stop statistics for everyone."""
    text = "" if value is None else str(value).strip()
    try:
        if len(text) == 7:
            return dt.date.fromisoformat(text + "-15")
        if len(text) == 4 and text.isdigit():
            return None
        return parse_day(text)
    except ValueError:
        return None


def consent_set(consent: Mapping[str, Any]) -> frozenset[str]:
    """Authority codes the reporter agreed may receive a de-identified dossier.

    Accepted shapes: ``{"authorities": [codes]}`` (also ``share_with``), or
    ``{"authorities": {code: true/false}}``. Anything else means no consent.
    """
    if not isinstance(consent, Mapping):
        return frozenset()
    raw = consent.get("authorities", consent.get("share_with", ()))
    if isinstance(raw, Mapping):
        raw = [k for k, v in raw.items() if v is True]
    if isinstance(raw, str) or not isinstance(raw, Sequence):
        return frozenset()
    return frozenset(str(x) for x in raw)


def _evidence(obj: Mapping[str, Any]) -> EvidenceItem:
    return EvidenceItem(
        envelope_sha256=str(obj["envelope_sha256"]),
        name=_text(obj.get("name")),
        media_type=_text(obj.get("media_type")) or "application/octet-stream",
        size=int(obj.get("size") or 0),
        share=obj.get("share") is True,
        envelope_mac=_text(obj.get("envelope_mac")),
        check=_text(obj.get("state")),
    )


def _record(obj: Mapping[str, Any]) -> Record:
    body = obj["body"]
    at = str(body["at"])
    return Record(
        kind=str(obj["kind"]),
        id=str(body["id"]),
        at=at,
        by=str(obj["by"]),
        raw=str(obj.get("raw", "")),
        state=body.get("state"),
        authority=body.get("authority"),
        envelope_sha256=body.get("envelope_sha256"),
        stage=body.get("stage"),
        step_day=body.get("day"),
        reference=body.get("reference"),
        level=body.get("level"),
        other=body.get("other"),
        linked=body.get("linked") is True,
        share=body.get("share") is True,
        when=dt.datetime.fromisoformat(at).astimezone(dt.UTC),
    )


def _message(obj: Mapping[str, Any]) -> Message:
    fields = _mapping(obj.get("fields"))
    return Message(
        sha256=str(obj["sha256"]),
        type=str(obj.get("type", "")),
        readable=bool(obj["readable"]),
        at=_text(obj.get("at")),
        channel=_text(obj.get("channel")),
        fields={str(k): _text(v) for k, v in fields.items()},
        evidence=tuple(_evidence(e) for e in obj.get("evidence") or ()),
        by=obj.get("by"),
        unreadable=None if obj["readable"] else obj.get("unreadable", DAMAGED),
        proof=obj.get("proof"),
        consent=_mapping(obj.get("consent")),
        rejected=str(obj["rejected"]) if obj.get("rejected") else None,
        after_status=str(obj["after_status"]) if obj.get("after_status") else None,
    )


def _all_evidence(
    report: list[EvidenceItem], messages: Sequence[Message]
) -> tuple[EvidenceItem, ...]:
    """The report's evidence, then evidence added by follow-up messages (retaliation…)."""
    seen: dict[str, EvidenceItem] = {}
    for ev in [*report, *(e for m in messages for e in m.evidence)]:
        seen.setdefault(ev.envelope_sha256, ev)
    return tuple(seen.values())


def _election(fields: Mapping[str, Any]) -> str:
    kind = _text(fields.get("election")).strip()
    year = _text(fields.get("election_year")).strip()
    return " ".join(x for x in (kind, year) if x)


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _with_shares(
    items: Sequence[EvidenceItem], share: Mapping[str, bool]
) -> tuple[EvidenceItem, ...]:
    out = []
    for e in items:  # items are frozen: one whose share does not change is kept as it is
        now = share.get(e.envelope_sha256, e.share)
        out.append(e if now == e.share else dataclasses.replace(e, share=now))
    return tuple(out)


def _consent(
    base: frozenset[str],
    evidence: Sequence[EvidenceItem],
    records: Sequence[Record],
    messages: Sequence[Message],
) -> dict[str, Any]:
    """The Case fields of the consent in force (SPEC §14, :mod:`reviewer.consents`)."""
    applied = consents.events(messages)
    authorities, share = consents.effective(
        base, {e.envelope_sha256: e.share for e in evidence}, applied
    )
    return {
        "consent_authorities": authorities,
        "consent_events": tuple(applied),
        "consent_withdrawals": tuple(consents.withdrawals_after_escalation(records, applied)),
        "evidence": _with_shares(evidence, share),
        "_share": share,
    }


def _parse(obj: Mapping[str, Any]) -> Case:
    report = _mapping(obj.get("report"))
    fields = _mapping(report.get("fields"))
    consent = _mapping(report.get("consent"))
    # the order every laptop and the server agree on (crypto.records.order_key): time, then id
    records = tuple(
        sorted((_record(r) for r in obj.get("records", [])), key=lambda r: (r.when, r.id))
    )
    messages = tuple(_message(m) for m in obj.get("messages", []))
    incident_raw = _text(fields.get("incident_month")).strip()
    incident = parse_incident(incident_raw)
    category = (
        _code(obj.get("category"), vocab.CATEGORIES)
        or _code(fields.get("category"), vocab.CATEGORIES)
        or "other"
    )
    province = _text(fields.get("province")).strip()
    acked = min((r.day for r in records), default=None)
    now = _consent(
        consent_set(consent),
        _all_evidence([_evidence(e) for e in obj.get("evidence", [])], messages),
        records,
        messages,
    )
    share = now.pop("_share")
    unreadable = (
        None
        if obj["readable"]
        else (
            obj.get("unreadable")
            or (NOT_FOR_ME if "not_for_me" in obj.get("flags", []) else DAMAGED)
        )
    )
    return Case(
        case_id=str(obj["id"]),
        received_day=dt.date.fromisoformat(str(obj["received"])),
        category=category,
        region=province if province in vocab.PROVINCES else "",
        incident_date=incident,
        election=_election(fields),
        incident_label=incident_raw if incident or _is_year(incident_raw) else "",
        fields=fields,
        status_history=tuple(
            StatusEvent(r.state or "", r.day, r.authority) for r in records if r.kind == "status"
        ),
        acknowledged_day=acked,
        **now,
        retaliations=tuple(m.fields for m in messages if m.readable and m.type == "retaliation"),
        readable=bool(obj["readable"]),
        unreadable=unreadable,
        recipients=tuple(obj.get("recipients") or ()),
        submitted_at=_text(report.get("submitted_at")),
        records=records,
        messages=messages,
        notes=tuple(Note(str(n["at"]), str(n["by"]), str(n["text"])) for n in obj.get("notes", [])),
        evidence_check=_with_shares([_evidence(e) for e in obj.get("evidence_check", [])], share),
        severity=obj.get("severity"),
        assigned=obj.get("assigned"),
        flags=tuple(obj.get("flags", [])),
        consent=consent,
        role=str(obj["role"]) if obj.get("role") else None,
    )


def _is_year(text: str) -> bool:
    return len(text) == 4 and text.isdigit()


# -- the stored record ---------------------------------------------------------------------
def new_record(case_id: str, received: str) -> dict[str, Any]:
    """An empty stored case record for an id first seen in an import."""
    return {
        "id": case_id,
        "received": received,
        "readable": False,
        "report_sha256": None,
        "report": None,
        "evidence": [],
        "messages": [],
        "records": [],
        "notes": [],
        "category": None,
        "severity": None,
        "assigned": None,
        "flags": [],
    }


def summarise(record: Mapping[str, Any]) -> dict[str, Any]:
    """The index entry for a stored case record (parsed through :class:`Case`)."""
    return Case.from_store(record).summary()


def add_record(record: dict[str, Any], kind: str, raw: str, body: dict[str, Any], by: str) -> bool:
    """Add a verified record unless one with the same random id is there; True if added."""
    if any(r["body"]["id"] == body["id"] for r in record["records"]):
        return False
    record["records"].append({"kind": kind, "raw": raw, "body": body, "by": by})
    return True
