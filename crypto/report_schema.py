"""The report's vocabulary: the field names and codes a document's ``fields`` carry (SPEC §10).

Defined once, here, for every role: the intake form builds documents from these names and
offers these codes; the reviewer reads the same names (no guessing among spellings) and counts
the same codes. Wording never lives here — each code's words are catalogue entries
(``category.<code>``, ``retaliation.<code>``, …) in the intake and reviewer catalogues.

Adding a code is a one-line change to one of the tuples below (plus its words in the
catalogues, which the catalogue tests demand). Renaming or removing a field or a code changes
what stored documents mean: that is a new :data:`VERSION`, and readers keep understanding the
old one.

:func:`check_report` and :func:`check_message` say whether a document's fields are exactly
what this vocabulary allows. The intake form enforces the same rules (with its own error
keys) before sealing; a reviewer may use them to flag a document no Bisik form wrote.

Leaks: nothing; this module holds data and pure checks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import FormatError

__all__ = [
    "AGENCIES",
    "AUTHORITIES",
    "CATEGORIES",
    "CONSENT_CHOICES",
    "CONSENT_OTHER",
    "ELECTIONS",
    "MESSAGE_FIELDS",
    "MESSAGE_KINDS",
    "PROVINCES",
    "REPORT_FIELDS",
    "RETALIATION_FIELDS",
    "RETALIATION_KINDS",
    "VERSION",
    "Field",
    "check_message",
    "check_report",
]

VERSION = 1
"""Version of this vocabulary; documents of ``"v": 1`` (SPEC §8) use it."""

# -- codes: one line each --------------------------------------------------------------------
CATEGORIES: tuple[str, ...] = (
    "social_media",
    "rally",
    "props",
    "state_resources",
    "party_member",
    "id_collection",
    "mobilisation",
    "biased_decision",
    "self_nomination",
    "spouse_campaign",
    "party_event_speaker",
    "vote_coercion",
    "money_politics",
    "retaliation",
    "other",
)
"""What the report is about (the ``category`` field)."""

ELECTIONS: tuple[str, ...] = ("pemilu", "pilkada")
"""Which election (the ``election`` field): national/legislative, or regional."""

AGENCIES: tuple[str, ...] = (
    "central",
    "province",
    "regency",
    "village",
    "school_health",
    "soe",
    "other",
)
"""What kind of agency the reported official works for (the ``agency_kind`` field)."""

AUTHORITIES: tuple[str, ...] = (
    "bawaslu",
    "bkn",
    "kemenpanrb",
    "kemendagri",
    "inspektorat",
    "lpsk",
    "ombudsman",
    "kpk",
    "ppk",
)
"""Bodies a reporter may consent to a case going to (``consent.authorities`` of a report)."""

CONSENT_OTHER = "other"
"""Consent to "another body the reviewers judge competent" (``escalate --to-other``)."""

CONSENT_CHOICES: tuple[str, ...] = (*AUTHORITIES, CONSENT_OTHER)
"""Every value ``consent.authorities`` may hold."""

PROVINCES = (
    "Aceh",
    "Sumatera Utara",
    "Sumatera Barat",
    "Riau",
    "Kepulauan Riau",
    "Jambi",
    "Sumatera Selatan",
    "Kepulauan Bangka Belitung",
    "Bengkulu",
    "Lampung",
    "DKI Jakarta",
    "Jawa Barat",
    "Banten",
    "Jawa Tengah",
    "DI Yogyakarta",
    "Jawa Timur",
    "Bali",
    "Nusa Tenggara Barat",
    "Nusa Tenggara Timur",
    "Kalimantan Barat",
    "Kalimantan Tengah",
    "Kalimantan Selatan",
    "Kalimantan Timur",
    "Kalimantan Utara",
    "Sulawesi Utara",
    "Gorontalo",
    "Sulawesi Tengah",
    "Sulawesi Barat",
    "Sulawesi Selatan",
    "Sulawesi Tenggara",
    "Maluku",
    "Maluku Utara",
    "Papua",
    "Papua Barat",
    "Papua Barat Daya",
    "Papua Selatan",
    "Papua Tengah",
    "Papua Pegunungan",
)
"""Indonesia's 38 provinces by their proper names (the same in every language): the list the
form offers for ``province``. The field stays free text (a client from before a new province
still parses); the reviewer labels and counts a province only if it is one of these."""

RETALIATION_KINDS: tuple[str, ...] = (
    "threat",
    "transfer",
    "demotion",
    "non_job",
    "pppk_rejected",
    "promotion_delayed",
    "allowance_cut",
    "skp_lowered",
    "isolation",
    "other",
)
"""What happened to the reporter (the ``retaliation_kind`` field of a retaliation message)."""

MESSAGE_KINDS: tuple[str, ...] = ("message", "retaliation")
"""A follow-up's ``kind`` field; it equals the document's ``type``."""


# -- fields ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    """One text field of a document: its name, whether it may be empty, what it may hold.

    ``codes`` lists the allowed values of a coded field; ``pattern`` constrains a free-form
    one (dates); ``max_len`` bounds the text in characters.
    """

    name: str
    required: bool = True
    codes: tuple[str, ...] | None = None
    pattern: str | None = None
    max_len: int = 200


_YEAR = r"\d{4}"
_MONTH = r"(\d{4}(-(0[1-9]|1[0-2]))?)?"  # "YYYY-MM", "YYYY" or "" (not remembered)

REPORT_FIELDS: tuple[Field, ...] = (
    Field("category", codes=CATEGORIES),
    Field("election", codes=ELECTIONS),
    Field("election_year", pattern=_YEAR),
    Field("province"),
    Field("regency", max_len=120),
    Field("agency_kind", codes=AGENCIES),
    Field("agency_name", required=False),
    Field("incident_month", required=False, pattern=_MONTH),
    Field("reported_position"),
    Field("reported_name", required=False),
    Field("description", max_len=60_000),
)
"""Every field of a ``report`` document, in form order; a report carries each of them."""

MESSAGE_FIELDS: tuple[Field, ...] = (
    Field("kind", codes=MESSAGE_KINDS),
    Field("text", max_len=60_000),
)
"""The fields of a ``message`` document; a ``retaliation`` adds :data:`RETALIATION_FIELDS`."""

RETALIATION_FIELDS: tuple[Field, ...] = (
    Field("retaliation_kind", codes=RETALIATION_KINDS),
    Field("retaliation_month", required=False, pattern=_MONTH),
)
"""The fields a ``retaliation`` document carries besides :data:`MESSAGE_FIELDS`."""


def _check(fields: Mapping[str, Any], expected: tuple[Field, ...]) -> None:
    if set(fields) != {f.name for f in expected}:
        raise FormatError("document fields are not the ones this vocabulary lists")
    for f in expected:
        value = fields[f.name]
        if not isinstance(value, str) or len(value) > f.max_len or value != value.strip():
            raise FormatError(f"field {f.name!r} is not a short trimmed text")
        if not value:
            if f.required:
                raise FormatError(f"field {f.name!r} is required")
            continue
        if f.codes is not None and value not in f.codes:
            raise FormatError(f"field {f.name!r} holds an unknown code")
        if f.pattern is not None and not re.fullmatch(f.pattern, value):
            raise FormatError(f"field {f.name!r} is not in its form")


def check_report(fields: Mapping[str, Any]) -> None:
    """FormatError unless ``fields`` are exactly a report's (:data:`REPORT_FIELDS`), valid."""
    _check(fields, REPORT_FIELDS)


def check_message(fields: Mapping[str, Any]) -> None:
    """FormatError unless ``fields`` are exactly a message's or a retaliation report's."""
    kind = fields.get("kind")
    _check(fields, MESSAGE_FIELDS + (RETALIATION_FIELDS if kind == "retaliation" else ()))
