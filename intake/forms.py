"""The report and follow-up forms: which fields exist, which values they accept.

Values are codes (``"mobilisation"``, ``"pilkada"``, ``"bkn"``); their wording lives in the
catalogue. Validation returns a clean mapping for the sealed document or raises UploadError
with the catalogue key of the problem. Nothing here stores or logs anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from crypto import report_schema as schema

from .errors import UploadError

# The vocabulary (field names and codes) is crypto's, shared with the reviewer (SPEC §10); the
# templates read the codes from here.
CATEGORIES = schema.CATEGORIES
ELECTIONS = schema.ELECTIONS
AGENCIES = schema.AGENCIES
AUTHORITIES = schema.AUTHORITIES
CONSENT_OTHER = schema.CONSENT_OTHER
CONSENT_CHOICES = schema.CONSENT_CHOICES
RETALIATION_KINDS = schema.RETALIATION_KINDS
MESSAGE_KINDS = schema.MESSAGE_KINDS
EVIDENCE_SLOTS = 5  # file inputs evidence_1..evidence_5, each with its own share flag


# Years with a nationwide vote: Pemilu every five years since 2004; simultaneous Pilkada
# rounds (UU 10/2016 Pasal 201). Only used to pick the form's default election year.
ELECTION_YEARS = (2004, 2009, 2014, 2015, 2017, 2018, 2019, 2020, 2024, 2029, 2034)
# The latest calendar day anywhere in Indonesia (WIT, UTC+9): an incident month is refused only
# if it has not begun there, so a reporter in Papua just after midnight is never turned away.
_WIT = dt.timezone(dt.timedelta(hours=9))


def indonesia_today() -> dt.date:
    """Today's date in eastern Indonesia (UTC+9), the latest date in the country."""
    return dt.datetime.now(_WIT).date()


def election_years(today: dt.date | None = None) -> list[str]:
    """Years offered for the election: a few back, one ahead."""
    year = (today or dt.date.today()).year
    return [str(y) for y in range(year + 1, year - 7, -1)]


def incident_years(today: dt.date | None = None) -> list[str]:
    """Years offered for an incident: this year and a few back, never a future one."""
    year = (today or indonesia_today()).year
    return [str(y) for y in range(year, year - 7, -1)]


def default_election_year(today: dt.date | None = None) -> str:
    """The latest election year that is not in the future (the form's preselected year)."""
    year = (today or indonesia_today()).year
    return str(max(y for y in ELECTION_YEARS if y <= year))


Fields = Mapping[str, Sequence[str]]


def _one(
    form: Fields,
    name: str,
    allowed: Sequence[str] | None = None,
    *,
    required: bool = True,
    max_len: int = 200,
) -> str:
    values = form.get(name, ())
    if len(values) > 1:
        raise UploadError("error.malformed")
    value = values[0].strip() if values else ""
    if not value:
        if required:
            raise UploadError("error.missing_field")
        return ""
    if (allowed is not None and value not in allowed) or len(value) > max_len:
        raise UploadError("error.malformed")
    return value


def _many(form: Fields, name: str, allowed: Sequence[str]) -> list[str]:
    values = [v.strip() for v in form.get(name, ())]
    if any(v not in allowed for v in values) or len(set(values)) != len(values):
        raise UploadError("error.malformed")
    return values


def _month(form: Fields, prefix: str) -> str:
    """Month precision is enough: ``YYYY-MM``, ``YYYY`` or empty (not remembered)."""
    year = _one(form, f"{prefix}_year", election_years(), required=False)
    month = _one(form, f"{prefix}_month", [f"{m:02d}" for m in range(1, 13)], required=False)
    if month and not year:
        raise UploadError("error.missing_field")
    today = indonesia_today()
    if year and (int(year), int(month or 1)) > (today.year, today.month):
        raise UploadError("error.future_month")  # a report is about what has happened
    return f"{year}-{month}" if month else year


@dataclass(frozen=True)
class ReportForm:
    """A validated report: document fields, the chosen reviewers, consent and share flags."""

    fields: dict[str, str]
    recipients: tuple[str, ...]
    authorities: tuple[str, ...]
    share_slots: frozenset[str]


def recipients_of(form: Fields, active: Sequence[str]) -> tuple[str, ...]:
    """The reviewer ids the reporter kept ticked; at least one, all of them active."""
    chosen = _many(form, "recipient", active)
    if not chosen:
        raise UploadError("error.no_recipient")
    return tuple(chosen)


def _report_value(form: Fields, f: schema.Field) -> str:
    """One report field from the form, by the rules of its schema entry."""
    if f.name == "incident_month":
        return _month(form, "incident")
    allowed: Sequence[str] | None = f.codes
    if f.name == "election_year":
        allowed = election_years()
    elif f.name == "province":
        allowed = schema.PROVINCES
    return _one(form, f.name, allowed, required=f.required, max_len=f.max_len)


def report(form: Fields, active_reviewers: Sequence[str]) -> ReportForm:
    """Validate the submit form's text fields (files are handled by the streaming reader)."""
    fields = {f.name: _report_value(form, f) for f in schema.REPORT_FIELDS}
    return ReportForm(
        fields=fields,
        recipients=recipients_of(form, active_reviewers),
        authorities=tuple(_many(form, "consent_authority", CONSENT_CHOICES)),
        share_slots=share_slots(form),
    )


def slots() -> range:
    """Evidence slot numbers, 1-based."""
    return range(1, EVIDENCE_SLOTS + 1)


def slot_of(input_name: str) -> str:
    """Slot number of a file input (``evidence_3`` → ``"3"``), or UploadError."""
    prefix, _, number = input_name.partition("_")
    if prefix != "evidence" or number not in {str(i) for i in slots()}:
        raise UploadError("error.malformed")
    return number


def share_slots(form: Fields) -> frozenset[str]:
    """Evidence slots the reporter allows to be shared with the authorities."""
    return frozenset(_many(form, "share", [str(i) for i in slots()]))


def message(form: Fields) -> dict[str, str]:
    """Validate a follow-up message or retaliation report (share flags: :func:`share_slots`).

    A retaliation report carries when it happened: at least the year (month precision is
    enough and preferred), never a future month."""
    kind = _one(form, "kind", MESSAGE_KINDS)
    fields = {"kind": kind, "text": _one(form, "text", max_len=60_000)}
    if kind == "retaliation":
        fields["retaliation_kind"] = _one(form, "retaliation_kind", RETALIATION_KINDS)
        fields["retaliation_month"] = _month(form, "retaliation")
        if not fields["retaliation_month"]:  # a dated record is what makes it useful later
            raise UploadError("error.retaliation_when")
    return fields
