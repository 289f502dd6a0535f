"""The report vocabulary the reviewer reads: which form fields a report or a follow-up
carries, and which codes a coded field may hold.

These are the field names and codes the intake form writes into the sealed document
(SPEC §8: the document's ``fields``). The reviewer never imports ``intake``;
``tests/reviewer/test_vocabulary.py`` checks both sides name the same fields and codes.

What the reviewer does with them: a field named here is shown with its label from the
catalogue (``field.<name>``), a coded value with the code's label (``category.<code>``…);
anything else a document carries is the sender's free choice and is never shown as if it were
part of the tool's own output, never used as a statistics label.
"""

from __future__ import annotations

CATEGORIES = (
    "social_media", "rally", "props", "state_resources", "party_member", "id_collection",
    "mobilisation", "biased_decision", "retaliation", "other",
)  # fmt: skip
ELECTIONS = ("pemilu", "pilkada")
AGENCIES = ("central", "province", "regency", "village", "school_health", "soe", "other")
AUTHORITIES = ("bawaslu", "bkn", "kemenpanrb", "kemendagri", "lpsk", "ombudsman", "kpk", "ppk")
CONSENT_OTHER = "other"  # consent to "another body the reviewers judge competent"
RETALIATION_KINDS = ("threat", "transfer", "demotion", "non_job", "pppk_rejected", "other")
MESSAGE_KINDS = ("message", "retaliation")
# Indonesia's 38 provinces, by their proper names (the same in every language).
PROVINCES = (
    "Aceh", "Sumatera Utara", "Sumatera Barat", "Riau", "Kepulauan Riau", "Jambi",
    "Sumatera Selatan", "Kepulauan Bangka Belitung", "Bengkulu", "Lampung", "DKI Jakarta",
    "Jawa Barat", "Banten", "Jawa Tengah", "DI Yogyakarta", "Jawa Timur", "Bali",
    "Nusa Tenggara Barat", "Nusa Tenggara Timur", "Kalimantan Barat", "Kalimantan Tengah",
    "Kalimantan Selatan", "Kalimantan Timur", "Kalimantan Utara", "Sulawesi Utara", "Gorontalo",
    "Sulawesi Tengah", "Sulawesi Barat", "Sulawesi Selatan", "Sulawesi Tenggara", "Maluku",
    "Maluku Utara", "Papua", "Papua Barat", "Papua Barat Daya", "Papua Selatan",
    "Papua Tengah", "Papua Pegunungan",
)  # fmt: skip

# Fields of a report, in the order the form asks them (and ``show`` lists them).
REPORT_FIELDS = (
    "category", "election", "election_year", "province", "regency", "agency_kind",
    "agency_name", "incident_month", "reported_position", "reported_name", "description",
)  # fmt: skip
# Fields of a follow-up message or retaliation report.
MESSAGE_FIELDS = ("kind", "text", "retaliation_kind", "retaliation_month")

# Coded fields: field name → (catalogue prefix of the codes' labels, the codes).
CODED: dict[str, tuple[str, tuple[str, ...]]] = {
    "category": ("category", CATEGORIES),
    "election": ("election", ELECTIONS),
    "agency_kind": ("agency", AGENCIES),
    "kind": ("doc", MESSAGE_KINDS),
    "retaliation_kind": ("retaliation", RETALIATION_KINDS),
}
