"""``show CASE``: one case in full — fields, timeline, evidence check, messages, notes."""

from __future__ import annotations

import argparse
from typing import Any

from ..cases import current_status, sorted_records, summarise
from ..i18n import t
from ..session import open_session
from ..ui.table import pairs, render
from . import out


def register(sub: Any) -> None:
    p = sub.add_parser("show", help=t("show.help"), description=t("show.help"))
    p.add_argument("case", metavar="CASE")
    p.set_defaults(func=run)


def _timeline(case: dict[str, Any]) -> list[tuple[str, str, str]]:
    events: list[tuple[str, str, str]] = []
    if case.get("report"):
        events.append((case["report"]["submitted_at"], t("who.reporter"), t("tl.report")))
    for msg in case["messages"]:
        if msg.get("readable") and msg["type"] != "reply":
            events.append((msg["at"], t("who.reporter"), t(f"doc.{msg['type']}")))
    for rec in sorted_records(case):
        body = rec["body"]
        what = (t("tl.status", state=t(f"state.{body['state']}"), authority=body["authority"]
                  or "") if rec["kind"] == "status" else t("tl.reply"))  # fmt: skip
        events.append((body["at"], rec["by"], what))
    for note in case["notes"]:
        events.append((note["at"], note["by"], t("tl.note")))
    return sorted(events)


def _fields(case: dict[str, Any], summary: dict[str, Any]) -> list[tuple[str, object]]:
    state, authority = current_status(case)
    rows: list[tuple[str, object]] = [
        (t("col.case"), case["id"]), (t("col.received"), case["received"]),
        (t("col.status"), t(f"state.{state}") + (f" → {authority}" if authority else "")),
        (t("col.category"), summary["cat"]), (t("col.region"), summary["reg"]),
        (t("col.severity"), case.get("severity")), (t("col.assigned"), case.get("assigned")),
        (t("col.flags"), ", ".join(t(f"flag.{f}") for f in case["flags"]) or "—"),
    ]  # fmt: skip
    report = case.get("report") or {}
    rows += [(f"· {k}", ", ".join(v) if isinstance(v, list) else v)
             for k, v in sorted(report.get("fields", {}).items())]  # fmt: skip
    if report.get("consent"):
        rows.append((t("show.consent"), ", ".join(f"{k}={v}" for k, v in
                                                 sorted(report["consent"].items()))))
    return rows


def _evidence(case: dict[str, Any]) -> str:
    rows = [(e["envelope_sha256"][:16], e.get("name", "—"), e.get("media_type", "—"),
             e.get("size", "—"), t("yes") if e.get("share") else t("no"),
             t(f"ev.{e['state']}")) for e in case.get("evidence_check", [])]  # fmt: skip
    heads = [t("col.sha"), t("col.file"), t("col.type"), t("col.size"), t("col.share"),
             t("col.check")]  # fmt: skip
    return render(heads, rows, max_width=40)


def _indented(value: object, width: int) -> str:
    """Reporter text on screen: every further line indented, so it cannot pose as a line of
    the tool's own (a fake evidence row, a fake status)."""
    text = ", ".join(value) if isinstance(value, list) else str(value)
    return ("\n" + " " * width).join(text.splitlines() or [""])


def run(args: argparse.Namespace) -> int:
    with open_session(args) as s:
        case = s.store.load_case(args.case)
        summary = summarise(case, s.config)
    if not case["readable"]:
        if case.get("unreadable") == "not_for_me":
            out(t("show.unreadable", case=case["id"],
                  recipients=", ".join(case.get("recipients", []))))  # fmt: skip
        else:  # addressed to us and does not open: never pass it off as someone else's
            out(t("show.damaged", case=case["id"]))
        return 0
    out(pairs(_fields(case, summary)))
    out("\n" + t("show.timeline"))
    out(render([t("col.when"), t("col.who"), t("col.what")], _timeline(case), max_width=60))
    out("\n" + t("show.evidence"))
    out(_evidence(case))
    out("\n" + t("show.messages"))
    signers = {r["body"]["envelope_sha256"]: r["by"] for r in case["records"]
               if r["kind"] == "reply"}  # fmt: skip
    for msg in case["messages"]:
        if not msg.get("readable"):
            key = "show.msg_unreadable" if msg.get("unreadable") == "not_for_me" else \
                "show.msg_damaged"  # fmt: skip
            out(f"- {t(key, sha=msg['sha256'][:16])}")
            continue
        # a "reply" is a reviewer's only if a verified reply record names its envelope: the
        # document type inside is whatever its writer (a reporter, the server) chose
        who = msg.get("by") or signers.get(msg["sha256"]) or (
            t("who.unsigned_reply") if msg["type"] == "reply" else t("who.reporter"))
        out(f"- [{msg['at']}] {who} ({t('doc.' + msg['type'])}):")
        for key, value in sorted(msg.get("fields", {}).items()):
            out(f"    {key}: " + _indented(value, 6))
    if case["notes"]:
        out("\n" + t("show.notes"))
        for note in case["notes"]:
            out(f"- [{note['at']}] {note['by']}: " + _indented(note["text"], 4))
    return 0
