"""From a report's category to the rules it may breach (data in ``regulations.json``).

The dossier phrases each as "dugaan pelanggaran terhadap …": an allegation for the authority
to assess, never a finding. Rules are filtered by the incident date (which ASN law was in
force) and by the election (Pemilu: Law 7/2017; Pilkada: Law 10/2016; both when unknown).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from importlib import resources
from typing import Any

from crypto import report_schema

CATEGORIES = report_schema.CATEGORIES  # the report's vocabulary is crypto's (SPEC §10)


@functools.cache
def _data() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("regulations.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def canonical_category(code: str) -> str:
    """The category code of the intake form (``crypto.report_schema.CATEGORIES``) for ``code``, also
    accepting older or Indonesian spellings ("mobilisasi"); ``other`` when unknown."""
    low = code.strip().lower()
    if low in CATEGORIES:
        return low
    aliases: dict[str, str] = _data()["aliases"]
    return aliases.get(low, "other")


def election_kind(election: str) -> str | None:
    """"pemilu", "pilkada" or None, from free text such as "Pilkada 2024"."""
    low = election.lower()
    if "pilkada" in low or "pemilihan kepala daerah" in low:
        return "pilkada"
    return "pemilu" if "pemilu" in low or "pemilihan umum" in low else None


def _applies(ref: dict[str, Any], incident: dt.date | None, kind: str | None) -> bool:
    if kind is not None and ref.get("election") not in (None, kind):
        return False
    day = incident or dt.date.today()
    if "from" in ref and day < dt.date.fromisoformat(ref["from"]):
        return False
    return not ("until" in ref and day > dt.date.fromisoformat(ref["until"]))


def breached(category: str, incident: dt.date | None, election: str = "") -> list[str]:
    """The texts of the rules a report of ``category`` may breach, most general first."""
    data = _data()
    keys = data["categories"][canonical_category(category)]
    kind = election_kind(election)
    return [data["refs"][k]["text"] for k in keys if _applies(data["refs"][k], incident, kind)]
