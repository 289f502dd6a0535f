"""The report vocabulary as the reviewer reads it: field names and codes from
:mod:`crypto.report_schema` (SPEC §10), plus what the reviewer needs on top.

- The field names and codes are crypto's, re-exported by name: nothing is redefined here.
- :data:`PROVINCES`: the schema's list (``province`` stays free text); statistics publish a
  province as a row label only if it is one of them.
- :data:`CODED`: for each coded field, the catalogue prefix of its codes' labels.

What the reviewer does with them: a field named here is shown with its label from the
catalogue (``field.<name>``), a coded value with the code's label (``category.<code>``…);
anything else a document carries is the sender's free choice and is never shown as if it were
part of the tool's own output, never used as a statistics label.
"""

from __future__ import annotations

from crypto import report_schema as _schema

CATEGORIES = _schema.CATEGORIES
ELECTIONS = _schema.ELECTIONS
AGENCIES = _schema.AGENCIES
AUTHORITIES = _schema.AUTHORITIES
CONSENT_OTHER = _schema.CONSENT_OTHER
RETALIATION_KINDS = _schema.RETALIATION_KINDS
MESSAGE_KINDS = _schema.MESSAGE_KINDS

REPORT_FIELDS: tuple[str, ...] = tuple(f.name for f in _schema.REPORT_FIELDS)
"""Fields of a report, in the order the form asks them (and ``show`` lists them)."""
MESSAGE_FIELDS: tuple[str, ...] = tuple(
    f.name for f in (*_schema.MESSAGE_FIELDS, *_schema.RETALIATION_FIELDS)
)
"""Fields of a follow-up message or retaliation report."""

PROVINCES = _schema.PROVINCES

_LABELS = {
    "category": "category",
    "election": "election",
    "agency_kind": "agency",
    "kind": "doc",
    "retaliation_kind": "retaliation",
}
CODED: dict[str, tuple[str, tuple[str, ...]]] = {
    f.name: (_LABELS[f.name], f.codes)
    for f in (*_schema.REPORT_FIELDS, *_schema.MESSAGE_FIELDS, *_schema.RETALIATION_FIELDS)
    if f.codes is not None
}
"""Coded fields: field name → (catalogue prefix of the codes' labels, the codes)."""

ROLES: tuple[str, ...] = (
    "kepala_daerah",
    "penjabat",
    "pejabat_asn",
    "asn_pns",
    "asn_pppk",
    "kepala_desa",
    "perangkat_desa",
    "campaigner",
    "candidate_pair",
    "other",
)
"""The reported person's role, as a reviewer states it in triage (``set --role``): the
``subject`` codes of the legal catalogue (``reviewer/escalation/regulations.json``). Kepala
desa and perangkat desa are not Pegawai ASN (UU 6/2014); a PPPK is an ASN but not a PNS, so
PP 94/2021 does not bind them. Words: catalogue entries ``role.<code>``."""
