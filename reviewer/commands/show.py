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

from .. import vocabulary as vocab
from ..case import NOT_FOR_ME, Case, Message
from ..caselist import category_label
from ..i18n import has, t
from ..session import open_session
from ..ui.table import pairs, render
from ..ui.terminal import one_line
from . import out


def register(sub: Any) -> None:
    p = sub.add_parser("show", help=t("show.help"), description=t("show.help"))
    p.add_argument("case", metavar="CASE")
    p.set_defaults(func=run)


def value_label(name: str, text: str) -> str:
    """A coded field's value as its catalogue label (``social_media`` → "Media sosial"); any
    other value as written."""
    prefix, codes = vocab.CODED.get(name, ("", ()))
    return t(f"{prefix}.{text}") if text in codes else text


def consent_label(codes: Sequence[str]) -> str:
    """The authorities a reporter consented to, by their names (``—`` if none)."""
    names = [t(f"authority.{c}") if has(f"authority.{c}") else one_line(repr(c))
             for c in sorted(codes)]  # fmt: skip
    return ", ".join(names) or "—"


def _timeline(case: Case) -> list[tuple[str, str, str]]:
    events: list[tuple[str, str, str]] = []
    if case.submitted_at:
        events.append((case.submitted_at, t("who.reporter"), t("tl.report")))
    for msg in case.messages:
        if msg.readable and msg.type != "reply":
            events.append((msg.at, t("who.reporter"), _doc(msg.type)))
    for rec in case.records:
        link = t("tl.link" if rec.linked else "tl.unlink", other=rec.other or "")
        what = (t("tl.status", state=t(f"state.{rec.state}"), authority=rec.authority or "")
                if rec.kind == "status" else t("tl.reply") if rec.kind == "reply"
                else t("tl.track", authority=rec.authority or "", stage=rec.stage or "")
                if rec.kind == "track" else link)  # fmt: skip
        events.append((rec.at, rec.by, what))
    for note in case.notes:
        events.append((note.at, note.by, t("tl.note")))
    return sorted(events)


def _doc(kind: str) -> str:
    return t(f"doc.{kind}") if kind in {"report", "reply", "consent", "identity",
                                         *vocab.MESSAGE_KINDS} else \
        one_line(repr(kind))  # fmt: skip


def _fields(case: Case) -> list[tuple[str, object]]:
    state, authority = case.status
    rows: list[tuple[str, object]] = [
        (t("col.case"), case.case_id), (t("col.received"), case.received_day.isoformat()),
        (t("col.status"), t(f"state.{state}") + (f" → {authority}" if authority else "")),
        (t("col.category"), category_label(case.category)), (t("col.region"), case.region),
        (t("col.severity"), t(f"severity.{case.severity}") if case.severity else "—"),
        (t("col.reported_role"), t(f"role.{case.role}") if case.role else "—"),
        (t("col.assigned"), case.assigned),
        (t("col.flags"), ", ".join(t(f"flag.{f}") for f in case.computed_flags()) or "—"),
    ]  # fmt: skip
    rows += [(f"· {t(f'field.{name}')}", value_label(name, text))
             for name, text in case.report_fields()]  # fmt: skip
    if case.consent or case.consent_events:  # the consent in force, and since when (SPEC §14)
        rows.append((t("show.consent"), consent_label(sorted(case.consent_authorities)) + " " +
                     t("show.consent_since", day=case.consent_day.isoformat())))
    rows += [(t("show.linked_to"), t("show.link_text", case=r.other or "", by=r.by,
              day=r.day.isoformat(), shared=t("show.link_shared" if r.share
                                              else "show.link_private")))
             for r in case.links()]  # fmt: skip
    rows += [(t("show.withdrawn_after"), t("show.withdrawn_after_text",
              authority=consent_label([w.authority]), day=w.event.day.isoformat(),
              sent=w.escalated.isoformat())) for w in case.consent_withdrawals]  # fmt: skip
    return rows


def _consent_lines(msg: Message) -> list[str]:
    """What a consent change grants and withdraws (files by the start of their hash)."""
    if msg.rejected:
        return [f"    {t('show.consent_rejected', why=one_line(msg.rejected))}"]
    body = msg.consent
    lines = []
    for granted, key in ((True, "show.consent_grant"), (False, "show.consent_withdraw")):
        codes = [c for c, v in dict(body.get("authorities", {})).items() if v is granted]
        files = [s[:16] for s, v in dict(body.get("evidence", {})).items() if v is granted]
        if codes or files:
            what = ", ".join([consent_label([c]) for c in codes] + files)
            lines.append(f"    {t(key)}: {what}")
    if msg.proof == "unproven":
        lines.append(f"    {t('show.consent_unproven')}")
    return lines


def _others(fields: Sequence[tuple[str, str]], indent: str) -> list[str]:
    """Fields the form does not define: name quoted on one line, value indented below it."""
    lines = []
    for name, text in fields:
        lines.append(f"{indent}? {one_line(repr(name))}:")
        lines += [f"{indent}    {line}" for line in text.splitlines() or [""]]
    return lines


def _evidence(case: Case) -> str:
    rows = [(e.envelope_sha256[:16], e.name or "—", e.media_type if e.name else "—",
             e.size if e.name else "—", t("yes") if e.share else t("no"), t(f"ev.{e.check}"))
            for e in case.evidence_check]  # fmt: skip
    heads = [t("col.sha"), t("col.file"), t("col.type"), t("col.size"), t("col.share"),
             t("col.check")]  # fmt: skip
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
    # a "reply" is a reviewer's only if a verified reply record names its envelope: the
    # document type inside is whatever its writer (a reporter, the server) chose
    # "unproven": an old case's follow-up, which the server could have written (SPEC §12)
    reporter = t("who.reporter_unproven" if msg.proof == "unproven" else "who.reporter")
    who = case.reply_signer(msg) or (t("who.unsigned_reply") if msg.type == "reply"
                                     else reporter)  # fmt: skip
    lines = [f"- [{one_line(msg.at)}] {who} ({_doc(msg.type)}):"]
    if msg.type == "consent":
        return lines + _consent_lines(msg)
    known = [n for n in (*vocab.MESSAGE_FIELDS, "message") if msg.fields.get(n)]
    for name in known:
        label = t(f"field.{name}")
        lines.append(f"    {label}: " + _indented(value_label(name, msg.fields[name]),
                                                   len(label) + 6))  # fmt: skip
    others = sorted((n, v) for n, v in msg.fields.items() if n not in known)
    if others:
        lines.append("    " + t("show.other_fields"))
        lines += _others(others, "    ")
    return lines


def run(args: argparse.Namespace) -> int:
    with open_session(args) as s:
        case = s.store.case(args.case)
        backlinks = [cid for cid, m in s.store.cases.items() if case.case_id in m.get("ln", ())]
    if not case.readable:
        if case.unreadable == NOT_FOR_ME:
            # the server names the recipients: one line each, whatever it wrote
            out(t("show.unreadable", case=case.case_id,
                  recipients=", ".join(one_line(r) for r in case.recipients)))
        else:  # addressed to us and does not open: never pass it off as someone else's
            out(t("show.damaged", case=case.case_id))
        return 0
    rows = _fields(case)
    rows += [(t("show.linked_from"), other) for other in sorted(backlinks)]
    out(pairs(rows))
    others = case.other_fields()
    if others:
        out("\n" + t("show.other_fields"))
        out("\n".join(_others(others, "  ")))
    out("\n" + t("show.timeline"))
    out(render([t("col.when"), t("col.who"), t("col.what")], _timeline(case), max_width=60))
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
