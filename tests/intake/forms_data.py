"""A valid report form, as the browser would send it (text fields first, files last)."""

from __future__ import annotations

import io
from typing import Any

from intake.forms import election_years


def report_fields(csrf: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "csrf_token": csrf,
        "category": "mobilisation",
        "description": "Kepala dinas mengumpulkan staf dan meminta dukungan untuk calon.",
        "election": "pilkada",
        "election_year": election_years()[1],
        "province": "Lampung",
        "regency": "Kabupaten Contoh",
        "agency_kind": "regency",
        "incident_month": "10",
        "incident_year": str(int(election_years()[1]) - 1),  # last year: never a future month
        "reported_position": "Kepala Dinas",
        "recipient": ["ani", "budi"],
        "consent_authority": ["bawaslu", "bkn"],
        "share": ["1"],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def with_files(data: dict[str, Any], files: dict[str, tuple[bytes, str]]) -> dict[str, Any]:
    out = dict(data)
    for field, (content, name) in files.items():
        out[field] = (io.BytesIO(content), name)
    return out
