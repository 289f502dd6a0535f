"""The decrypted case model kept in the store, and the summary the index holds for ``list``.

A case is a JSON object: the report's fields, the evidence list with the result of checking it
against the report (``ok`` / ``missing`` / ``unlisted``), the messages (reporter follow-ups and
reviewer replies), the verified signed records (statuses and replies, from anyone), private
notes, and local triage fields (category, severity, assignment). The summary is what ``list``
filters on, so that listing never opens a case file.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from crypto import records as crecords

from .home import Config

FEEDBACK_STATES = frozenset({"need_info", "escalated", "closed_substantiated",
                             "closed_unsubstantiated", "closed_outside_mandate"})  # fmt: skip
CLOSED_STATES = frozenset(s for s in crecords.STATES if s.startswith("closed_"))
SEVERITIES = ("low", "medium", "high", "critical")


def new_case(case_id: str, received: str) -> dict[str, Any]:
    """An empty case shell for an id first seen in an import."""
    return {"id": case_id, "received": received, "readable": False, "report_sha256": None,
            "report": None, "evidence": [], "messages": [], "records": [], "notes": [],
            "category": None, "severity": None, "assigned": None, "flags": []}  # fmt: skip


def _field(fields: dict[str, Any], name: str) -> str | None:
    """A report field by its name in ``crypto.report_schema`` (SPEC §10), or None if empty."""
    value = fields.get(name)
    if isinstance(value, list):
        value = ", ".join(value)
    return str(value) if value else None


def sorted_records(case: dict[str, Any]) -> list[dict[str, Any]]:
    """Verified records in the order every laptop and the server agree on."""
    return sorted(case["records"], key=lambda r: crecords.order_key(r["body"]))


def current_status(case: dict[str, Any]) -> tuple[str, str | None]:
    """(state, authority) of the newest status record; ``received`` if there is none."""
    statuses = [r for r in sorted_records(case) if r["kind"] == "status"]
    if not statuses:
        return "received", None
    body = statuses[-1]["body"]
    return body["state"], body.get("authority")


def _day(at: str) -> str:
    return dt.datetime.fromisoformat(at).astimezone(dt.UTC).date().isoformat()


def first_dates(case: dict[str, Any]) -> tuple[str | None, str | None]:
    """(acknowledged day, first-feedback day): any signed record acknowledges; a reply or a
    status that tells the reporter something (need_info, escalated, closed) is feedback."""
    ack = fb = None
    for rec in sorted_records(case):
        body = rec["body"]
        ack = ack or _day(body["at"])
        if rec["kind"] == "reply" or body.get("state") in FEEDBACK_STATES:
            fb = fb or _day(body["at"])
    return ack, fb


def summarise(case: dict[str, Any], config: Config) -> dict[str, Any]:
    """The index entry for ``case`` (everything ``list`` and ``due`` need)."""
    state, authority = current_status(case)
    fields = (case.get("report") or {}).get("fields", {})
    ack, fb = first_dates(case)
    return {
        "st": state, "auth": authority, "rcv": case["received"], "rd": case["readable"],
        "cat": case.get("category") or _field(fields, "category"),
        "reg": _field(fields, "province"), "sev": case.get("severity"),
        "asg": case.get("assigned"), "fl": sorted(set(case.get("flags", []))),
        "ack": ack, "fb": fb, "ne": len(case["evidence"]), "nm": len(case["messages"]),
        "nn": len(case["notes"]),
    }  # fmt: skip


def add_record(case: dict[str, Any], kind: str, raw: str, body: dict[str, Any], by: str) -> bool:
    """Add a verified record unless one with the same random id is there; True if added."""
    if any(r["body"]["id"] == body["id"] for r in case["records"]):
        return False
    case["records"].append({"kind": kind, "raw": raw, "body": body, "by": by})
    return True
