"""``track [CASE] [--sent D] [--ref N] [--deadline D] [--outcome X]`` and ``track --overdue``:
what the authority did with a dossier, and reminders when it is late."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from ..actions import set_status
from ..errors import TrackingError
from ..escalation import storeview
from ..escalation.case import parse_day
from ..escalation.tracking import DEFAULT_ANSWER_DAYS, OUTCOMES, Entry
from ..i18n import t
from ..session import open_session
from ..ui.table import render
from . import out


def register(sub: Any) -> None:
    p = sub.add_parser("track", help=t("cli.track.help"), description=t("cli.track.help"))
    p.add_argument("case", metavar="CASE", nargs="?", help=t("cli.track.case"))
    p.add_argument("--authority", help=t("cli.track.authority"))
    p.add_argument("--sent", metavar="YYYY-MM-DD", help=t("cli.track.sent"))
    p.add_argument("--ref", metavar="NUMBER", help=t("cli.track.ref"))
    p.add_argument("--deadline", metavar="YYYY-MM-DD", help=t("cli.track.deadline"))
    p.add_argument("--outcome", choices=OUTCOMES, help=t("cli.track.outcome"))
    p.add_argument("--outcome-date", metavar="YYYY-MM-DD", help=t("cli.track.outcome_date"))
    p.add_argument("--set-status", action="store_true", help=t("cli.track.set_status"))
    p.add_argument("--overdue", action="store_true", help=t("cli.track.overdue"))
    p.add_argument("--days", type=int, default=DEFAULT_ANSWER_DAYS,
                   help=t("cli.track.days", n=DEFAULT_ANSWER_DAYS))  # fmt: skip
    p.add_argument("--today", metavar="YYYY-MM-DD", help=t("cli.track.today"))
    p.set_defaults(func=run)


def _row(e: Entry) -> tuple[str, ...]:
    outcome = t(f"track.outcome.{e.outcome}") if e.outcome else "—"
    return (e.case[:12], e.authority, e.sent or "—", e.reference or "—", e.deadline or "—",
            outcome)  # fmt: skip


def _today(text: str | None) -> dt.date:
    try:
        return parse_day(text) or dt.date.today()
    except ValueError as exc:
        raise TrackingError(f"not a date: {text!r}") from exc


def run(args: argparse.Namespace) -> int:
    today = _today(args.today)
    changes = any(v is not None for v in (args.sent, args.ref, args.deadline, args.outcome))
    with open_session(args) as s:
        log = storeview.load_tracking(s.store)
        case_id = s.store.resolve(args.case) if args.case else None
        if case_id and changes:
            entry = log.update(case_id, args.authority, sent=args.sent, reference=args.ref,
                               deadline=args.deadline, outcome=args.outcome,
                               outcome_day=args.outcome_date, today=today)  # fmt: skip
            storeview.save_tracking(s.store, log)
            if args.set_status and args.sent:
                set_status(s.store, s.identity, s.config, s.directory, case_id, "escalated",
                           entry.authority)  # fmt: skip
            out(t("track.saved", case=case_id, authority=entry.authority))
    if args.overdue:
        reminders = log.overdue(today, args.days)
        for r in reminders:
            out(f"{r.entry.case[:12]}  {r.entry.authority}: {t(r.reason, **r.values)}")
        if not reminders:
            out(t("track.no_overdue"))
        return 0
    entries = log.find(case_id) if case_id else log.entries
    if not entries:
        out(t("track.none"))
        return 0
    out(render(t("track.header").split(" | "), [_row(e) for e in entries], max_width=40))
    return 0
