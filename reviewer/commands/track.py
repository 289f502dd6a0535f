"""``track CASE --authority X --stage Y [--reference R] [--level L] [--day D]``: one signed step
of the escalation chain (crypto/SPEC.md §16), queued for the outbox; ``track CASE`` lists the
case's chain; ``track --overdue`` lists every case whose newest step is past its deadline.

A laptop that kept the old local tracking log gets it converted into signed steps the first
time ``track`` or ``due`` runs (:func:`reviewer.escalation.legacy.convert`)."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from ..case import Case, parse_day
from ..errors import TrackingError
from ..escalation import chain, legacy, stages
from ..escalation.chainwords import overdue_text, stage_label
from ..i18n import t
from ..session import Session, open_session
from ..ui.table import render
from . import out, short


def register(sub: Any) -> None:
    p = sub.add_parser("track", help=t("cli.track.help"), description=t("cli.track.help"))
    p.add_argument("case", metavar="CASE", nargs="?", help=t("cli.track.case"))
    p.add_argument("--authority", help=t("cli.track.authority"))
    p.add_argument(
        "--stage",
        choices=sorted(stages.load().stages),
        metavar="STAGE",
        help=t("cli.track.stage", choices=", ".join(stages.load().stages)),
    )
    p.add_argument("--reference", "--ref", metavar="NUMBER", help=t("cli.track.ref"))
    p.add_argument("--level", choices=stages.load().levels, help=t("cli.track.level"))
    p.add_argument("--day", metavar="YYYY-MM-DD", help=t("cli.track.day"))
    p.add_argument("--set-status", action="store_true", help=t("cli.track.set_status"))
    p.add_argument("--overdue", action="store_true", help=t("cli.track.overdue"))
    p.add_argument("--today", metavar="YYYY-MM-DD", help=t("cli.track.today"))
    p.set_defaults(func=run)


def _today(text: str | None) -> dt.date:
    try:
        return parse_day(text) or dt.date.today()
    except ValueError as exc:
        raise TrackingError(f"not a date: {text!r}") from exc


def _record(s: Session, args: argparse.Namespace, case_id: str, today: dt.date) -> None:
    if not args.authority:
        raise TrackingError("err.track_needs_authority")
    body = chain.record_step(
        s.store,
        s.identity,
        s.config,
        s.directory,
        case_id,
        authority=args.authority,
        stage=args.stage,
        day=args.day,
        reference=args.reference,
        level=args.level,
        today=today,
    )
    if args.set_status:
        chain.mark_escalated(s.store, s.identity, s.config, s.directory, case_id, body)
    out(
        t(
            "chain.saved",
            case=short(case_id),
            stage=stage_label(body["stage"]),
            authority=body["authority"],
            day=body["day"],
        )
    )


def _show(case: Case, today: dt.date) -> None:
    steps = chain.chain(case)
    if not steps:
        out(t("chain.none", case=short(case.case_id)))
        return
    rows = [
        (
            s.day.isoformat(),
            s.authority,
            stage_label(s.stage),
            s.reference or "—",
            s.level or "—",
            s.by,
        )
        for s in steps
    ]
    out(render(t("chain.header").split(" | "), rows, max_width=40))
    late = chain.overdue(case, today)
    if late:
        out("! " + overdue_text(late, short(late.case_id)))
    allowed = stages.allowed_after(steps[-1].stage)
    out(t("chain.next", stages=", ".join(allowed) or "—"))


def run(args: argparse.Namespace) -> int:
    today = _today(args.today)
    with open_session(args) as s:
        converted = legacy.convert(s.store, s.identity, s.config, s.directory, today)
        if converted:
            out(t("chain.converted", n=converted))
        case_id = s.store.resolve(args.case) if args.case else None
        if case_id and args.stage:
            _record(s, args, case_id, today)
        elif args.stage or args.reference or args.level or args.day:
            raise TrackingError("err.track_needs_case_and_stage")
        if args.overdue:
            late = chain.overdue_cases(s.store.cases, today)
            for x in late:
                out(overdue_text(x, short(x.case_id)))
            if not late:
                out(t("track.no_overdue"))
        elif case_id:
            _show(s.store.case(case_id), today)
    return 0
