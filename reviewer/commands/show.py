"""``show CASE``: one case in full — fields, timeline, evidence check, messages, notes.

What a reporter wrote is shown as data, never as structure: a field the form defines is shown
under the tool's own label (``field.<name>`` in the catalogue) with coded values as their
labels; a field the form does not define is listed apart, under a heading that says the sender
chose it, its name quoted and on one line. Every value's further lines are indented under it,
and everything passes the terminal filter (:mod:`reviewer.ui.terminal`).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from ..case import NOT_FOR_ME, Case, Message
from ..caseview import (
    consent_change,
    doc_label,
    field_rows,
    linked_from,
    message_author,
    message_fields,
    timeline,
)
from ..i18n import t
from ..session import open_session
from ..ui.table import pairs, render
from ..ui.terminal import one_line
from . import out


def register(sub: Any) -> None:
    p = sub.add_parser("show", help=t("show.help"), description=t("show.help"))
    p.add_argument("case", metavar="CASE")
    p.set_defaults(func=run)


def _others(fields: Sequence[tuple[str, str]], indent: str) -> list[str]:
    """Fields the form does not define: name quoted on one line, value indented below it."""
    lines = []
    for name, text in fields:
        lines.append(f"{indent}? {one_line(repr(name))}:")
        lines += [f"{indent}    {line}" for line in text.splitlines() or [""]]
    return lines


def _evidence(case: Case) -> str:
    rows = [
        (
            e.envelope_sha256[:16],
            e.name or "—",
            e.media_type if e.name else "—",
            e.size if e.name else "—",
            t("yes") if e.share else t("no"),
            t(f"ev.{e.check}"),
        )
        for e in case.evidence_check
    ]
    heads = [
        t("col.sha"),
        t("col.file"),
        t("col.type"),
        t("col.size"),
        t("col.share"),
        t("col.check"),
    ]
    return render(heads, rows, max_width=40)


def _indented(value: str, width: int) -> str:
    """Reporter text on screen: every further line indented, so it cannot pose as a line of
    the tool's own (a fake evidence row, a fake status)."""
    return ("\n" + " " * width).join(value.splitlines() or [""])


def _message(case: Case, msg: Message) -> list[str]:
    if msg.proof == "forged":  # refused: not written by the receipt holder (SPEC §12)
        return [f"- {t('show.msg_forged', sha=msg.sha256[:16])}"]
    if not msg.readable:
        key = "show.msg_unreadable" if msg.unreadable == NOT_FOR_ME else "show.msg_damaged"
        return [f"- {t(key, sha=msg.sha256[:16])}"]
    who = message_author(case, msg)
    lines = [f"- [{one_line(msg.at)}] {who} ({doc_label(msg.type)}):"]
    if msg.type == "consent":  # the full hash: what a proof of report lists (SPEC §13)
        fingerprint = t("show.consent_fingerprint", sha=msg.sha256)
        return lines + [f"    {line}" for line in [*consent_change(msg), fingerprint]]
    known, others = message_fields(msg)
    for label, value in known:
        lines.append(f"    {label}: " + _indented(value, len(label) + 6))
    if others:
        lines.append("    " + t("show.other_fields"))
        lines += _others(others, "    ")
    return lines


def run(args: argparse.Namespace) -> int:
    with open_session(args) as s:
        case = s.store.case(args.case)
        backlinks = linked_from(s.store.cases, case.case_id)
    if not case.readable:
        if case.unreadable == NOT_FOR_ME:
            # the server names the recipients: one line each, whatever it wrote
            out(
                t(
                    "show.unreadable",
                    case=case.case_id,
                    recipients=", ".join(one_line(r) for r in case.recipients),
                )
            )
        else:  # addressed to us and does not open: never pass it off as someone else's
            out(t("show.damaged", case=case.case_id))
        return 0
    rows = field_rows(case)
    rows += [(t("show.linked_from"), other) for other in backlinks]
    out(pairs(rows))
    others = case.other_fields()
    if others:
        out("\n" + t("show.other_fields"))
        out("\n".join(_others(others, "  ")))
    out("\n" + t("show.timeline"))
    out(render([t("col.when"), t("col.who"), t("col.what")], timeline(case), max_width=60))
    out("\n" + t("show.evidence"))
    out(_evidence(case))
    out("\n" + t("show.messages"))
    for msg in case.messages:
        for line in _message(case, msg):
            out(line)
    if case.notes:
        out("\n" + t("show.notes"))
        for note in case.notes:
            out(f"- [{note.at}] {note.by}: " + _indented(note.text, 4))
    return 0
