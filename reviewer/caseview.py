"""What one case shows a reviewer, as data: labelled fields, the timeline, who wrote each
message. ``show`` prints it through the terminal filter; the desktop app puts it in widgets as
plain text. One place decides the labels, so the two can never disagree.

What a reporter wrote stays data: a field the form defines gets the tool's own label
(``field.<name>``) and coded values their labels; a field the form does not define is left to
:meth:`reviewer.case.Case.other_fields`, listed apart under a heading that says the sender chose
it. Nothing here formats for a terminal or a window.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import vocabulary as vocab
from .case import Case, Message
from .caselist import category_label
from .i18n import has, label, t
from .ui.terminal import one_line


def value_label(name: str, text: str) -> str:
    """A coded field's value as its catalogue label (``social_media`` → "Media sosial"); any
    other value as written."""
    prefix, codes = vocab.CODED.get(name, ("", ()))
    return t(f"{prefix}.{text}") if text in codes else text


def consent_label(codes: Sequence[str]) -> str:
    """The authorities a reporter consented to, by their names (``—`` if none)."""
    names = [
        t(f"authority.{c}") if has(f"authority.{c}") else one_line(repr(c)) for c in sorted(codes)
    ]
    return ", ".join(names) or "—"


def doc_label(kind: str) -> str:
    """The label of a document type (report, reply, message, retaliation); an unknown type
    quoted on one line, so a sender cannot pose as one of the tool's own words."""
    return (
        t(f"doc.{kind}")
        if kind in {"report", "reply", "consent", "identity", *vocab.MESSAGE_KINDS}
        else one_line(repr(kind))
    )


def timeline(case: Case) -> list[tuple[str, str, str]]:
    """(when, who, what) of the report, each follow-up, each signed record and each private
    note, in time order. A record's ``who`` is the reviewer id that signed it."""
    events: list[tuple[str, str, str]] = []
    if case.submitted_at:
        events.append((case.submitted_at, t("who.reporter"), t("tl.report")))
    for msg in case.messages:
        if msg.readable and msg.type != "reply":
            events.append((msg.at, t("who.reporter"), doc_label(msg.type)))
    for rec in case.records:
        link = t("tl.link" if rec.linked else "tl.unlink", other=rec.other or "")
        what = (
            t("tl.status", state=t(f"state.{rec.state}"), authority=rec.authority or "")
            if rec.kind == "status"
            else t("tl.reply")
            if rec.kind == "reply"
            else t(
                "tl.track",
                authority=label("authority", rec.authority or ""),
                stage=label("chain.stage", rec.stage or ""),
            )
            if rec.kind == "track"
            else link
        )
        events.append((rec.at, rec.by, what))
    for note in case.notes:
        events.append((note.at, note.by, t("tl.note")))
    return sorted(events)


def field_rows(case: Case) -> list[tuple[str, object]]:
    """(label, value) of the case's own fields, then of the report's form fields (labels
    prefixed ``·``), then the reporter's consent."""
    state, authority = case.status
    rows: list[tuple[str, object]] = [
        (t("col.case"), case.case_id),
        (t("col.received"), case.received_day.isoformat()),
        (t("col.status"), t(f"state.{state}") + (f" → {authority}" if authority else "")),
        (t("col.category"), category_label(case.category)),
        (t("col.region"), case.region),
        (t("col.severity"), t(f"severity.{case.severity}") if case.severity else "—"),
        (t("col.reported_role"), t(f"role.{case.role}") if case.role else "—"),
        (t("col.assigned"), case.assigned),
        (t("col.flags"), ", ".join(t(f"flag.{f}") for f in case.computed_flags()) or "—"),
    ]
    rows += [
        (f"· {t(f'field.{name}')}", value_label(name, text)) for name, text in case.report_fields()
    ]
    if case.consent or case.consent_events:  # the consent in force, and since when (SPEC §14)
        rows.append(
            (
                t("show.consent"),
                consent_label(sorted(case.consent_authorities))
                + " "
                + t("show.consent_since", day=case.consent_day.isoformat()),
            )
        )
    rows += [
        (
            t("show.linked_to"),
            t(
                "show.link_text",
                case=r.other or "",
                by=r.by,
                day=r.day.isoformat(),
                shared=t("show.link_shared" if r.share else "show.link_private"),
            ),
        )
        for r in case.links()
    ]
    rows += [
        (
            t("show.withdrawn_after"),
            t(
                "show.withdrawn_after_text",
                authority=consent_label([w.authority]),
                day=w.event.day.isoformat(),
                sent=w.escalated.isoformat(),
                via=t(f"show.sent_via_{w.via}"),
            ),
        )
        for w in case.consent_withdrawals
    ]
    return rows


def linked_from(cases: Mapping[str, Mapping[str, Any]], case_id: str) -> list[str]:
    """Ids of the cases in the store index that link to ``case_id`` (SPEC §15), sorted."""
    return sorted(cid for cid, m in cases.items() if case_id in m.get("ln", ()))


def consent_change(msg: Message) -> list[str]:
    """What a consent change grants and withdraws (files by the start of their hash), or why
    it was refused; one line each."""
    if msg.rejected:
        return [t("show.consent_rejected", why=one_line(msg.rejected))]
    body = msg.consent
    lines = []
    for granted, key in ((True, "show.consent_grant"), (False, "show.consent_withdraw")):
        codes = [c for c, v in dict(body.get("authorities", {})).items() if v is granted]
        files = [s[:16] for s, v in dict(body.get("evidence", {})).items() if v is granted]
        if codes or files:
            lines.append(f"{t(key)}: " + ", ".join([consent_label([c]) for c in codes] + files))
    if msg.proof == "unproven":
        lines.append(t("show.consent_unproven"))
    return lines


def message_author(case: Case, msg: Message) -> str:
    """Who wrote a readable message: the reviewer who signed the reply record naming it, else
    the reporter (marked unproven for an old case's follow-up the server could have written).
    A ``reply`` no verified record names is said to be unsigned: the type inside is whatever
    its writer chose."""
    reporter = t("who.reporter_unproven" if msg.proof == "unproven" else "who.reporter")
    return case.reply_signer(msg) or (t("who.unsigned_reply") if msg.type == "reply" else reporter)


def message_fields(msg: Message) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(label, value) of the message fields the form defines, and (name as sent, value) of
    the others."""
    known = [n for n in (*vocab.MESSAGE_FIELDS, "message") if msg.fields.get(n)]
    labelled = [(t(f"field.{n}"), value_label(n, msg.fields[n])) for n in known]
    return labelled, sorted((n, v) for n, v in msg.fields.items() if n not in known)
