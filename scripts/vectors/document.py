"""``document-*``: the document inside an envelope and the report's vocabulary (SPEC §8, §10)."""

from __future__ import annotations

import json
from typing import Any

from crypto import (
    document,
)
from crypto.encoding import b64u_encode, canonical_json
from crypto.keys import raw_public
from scripts.vectors.common import Vector, det, ed_key, x_key

FULL_REPORT_FIELDS = {
    "category": "mobilisation",
    "election": "pilkada",
    "election_year": "2024",
    "province": "Jawa Tengah",
    "regency": "Kabupaten Semarang",
    "agency_kind": "regency",
    "agency_name": "Dinas Pendidikan",
    "incident_month": "2024-10",
    "reported_position": "Kepala Dinas",
    "reported_name": "",
    "description": "Kepala dinas mengumpulkan guru dan meminta dukungan untuk calon tertentu.",
}


def _document(doc_type: str, fields: dict[str, str], *, reply: bool = True) -> bytes:
    reply_key = b64u_encode(raw_public(x_key("reporter").public_key())) if reply else None
    evidence = (
        document.Evidence(
            det("evidence sha", 32).hex(),
            "rapat.jpg",
            "image/jpeg",
            70_000,
            share=True,
            envelope_mac=det("evidence mac", 32).hex(),
        ),
    )
    consent = {"authorities": ["bawaslu", "other"]} if doc_type == "report" else {}
    return document.Document(
        doc_type,
        "2026-11-20T08:15:00+07:00",
        "browser",
        fields,
        reply_key,
        evidence if doc_type != "message" else (),
        consent,
    ).to_bytes()


def vectors() -> dict[str, Vector]:
    """Documents a parser must accept, and ones breaking one field rule each."""
    vs: dict[str, Vector] = {}

    def v(
        name: str, comment: str, data: bytes, error: str | None = None, layer: str = "vocabulary"
    ) -> None:
        rec: Vector = {"comment": comment, "type": "document", "document": data.decode()}
        if error:
            rec.update(expect="error", error=error, layer=layer)
        else:
            rec.update(expect="success")
        vs[f"document-{name}"] = rec

    full = dict(FULL_REPORT_FIELDS)
    v(
        "ok-full-report",
        "A report with every field of crypto.report_schema.REPORT_FIELDS, an "
        "evidence entry and consent: what the intake form seals (SPEC §10).",
        _document("report", full),
    )
    v(
        "ok-retaliation",
        "A retaliation report sent later with the receipt.",
        _document(
            "retaliation",
            {
                "kind": "retaliation",
                "text": "Saya dimutasi.",
                "retaliation_kind": "transfer",
                "retaliation_month": "2024-12",
            },
            reply=False,
        ),
    )
    v(
        "ok-retaliation-added-kind",
        "A retaliation report whose kind (allowance_cut) was added "
        "to the vocabulary later: adding a code is a new line in its list, not a new version.",
        _document(
            "retaliation",
            {
                "kind": "retaliation",
                "text": "TPP saya dihentikan.",
                "retaliation_kind": "allowance_cut",
                "retaliation_month": "2025-09",
            },
            reply=False,
        ),
    )
    v(
        "ok-message",
        "A follow-up message: kind and text only.",
        _document("message", {"kind": "message", "text": "Ada bukti baru."}, reply=False),
    )
    v(
        "reject-unknown-category",
        "A category code the vocabulary does not list.",
        _document("report", {**full, "category": "mobilisasi"}),
        "FormatError",
    )
    v(
        "reject-missing-field",
        "A report without its description field.",
        _document("report", {k: x for k, x in full.items() if k != "description"}),
        "FormatError",
    )
    v(
        "reject-extra-field",
        "A report with a field the vocabulary does not have (kategori).",
        _document("report", {**full, "kategori": "mobilisation"}),
        "FormatError",
    )
    v(
        "reject-bad-month",
        "An incident month that is not YYYY-MM, YYYY or empty.",
        _document("report", {**full, "incident_month": "2024-13"}),
        "FormatError",
    )
    v(
        "reject-report-without-reply-key",
        "A report must carry the reporter's reply key "
        "(SPEC §8): rejected by the document parser itself, in Python and in the browser.",
        _document("report", full, reply=False),
        "FormatError",
        layer="document",
    )
    followup_key = b64u_encode(raw_public(ed_key("reporter follow-up").public_key()))

    def with_key(doc_type: str, fields: dict[str, str], key: Any, reply: bool = True) -> bytes:
        obj = json.loads(_document(doc_type, fields, reply=reply))
        return canonical_json({**obj, "followup_key": key})

    v(
        "ok-report-with-followup-key",
        "A report publishing the receipt's Ed25519 follow-up key, "
        "which every later follow-up must be signed by (SPEC §12).",
        with_key("report", full, followup_key),
    )
    v(
        "reject-followup-key-in-message",
        "Only the first report publishes a follow-up key "
        "(SPEC §8, §12): a message naming one is refused by the document parser.",
        with_key("message", {"kind": "message", "text": "x"}, followup_key, reply=False),
        "FormatError",
        layer="document",
    )
    v(
        "reject-followup-key-null",
        "The member is absent when there is no key, never null.",
        with_key("report", full, None),
        "FormatError",
        layer="document",
    )
    v(
        "reject-followup-key-short",
        "A follow-up key that is not 32 bytes of base64url.",
        with_key("report", full, followup_key[:-2]),
        "FormatError",
        layer="document",
    )
    return vs
