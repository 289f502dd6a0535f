"""``list``: the cases in the store as a table, filtered by status, category, region, due date."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Mapping
from typing import Any

from crypto import records as crecords

from .. import caselist
from ..errors import UsageError
from ..escalation import chain
from ..home import Config
from ..i18n import t
from ..session import open_session
from ..ui.table import render
from . import out, short


def register(sub: Any) -> None:
    p = sub.add_parser("list", help=t("list.help"), description=t("list.help"))
    p.add_argument("--status", choices=crecords.STATES, help=t("list.status"))
    p.add_argument("--category", help=t("list.category"))
    p.add_argument("--region", help=t("list.region"))
    p.add_argument("--assigned", metavar="REVIEWER", help=t("list.assigned"))
    p.add_argument("--due-before", metavar="YYYY-MM-DD", help=t("list.due_before"))
    p.add_argument("--late", action="store_true", help=t("list.late"))
    p.add_argument("--flagged", action="store_true", help=t("list.flagged"))
    p.add_argument("--limit", type=int, default=0, help=t("list.limit"))
    p.set_defaults(func=run)


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError("err.date", value=text) from exc


def select(
    cases: Mapping[str, Mapping[str, Any]], args: argparse.Namespace, config: Config, today: dt.date
) -> list[caselist.Row]:
    """The rows ``list`` shows for these command-line options (:func:`caselist.select`);
    ``--late`` keeps cases late on our deadlines and cases an authority is late on."""
    wanted = caselist.CaseFilter(
        status=args.status,
        category=args.category,
        region=args.region,
        assigned=args.assigned,
        due_before=_date(args.due_before),
        late=args.late,
        flagged=args.flagged,
        late_elsewhere=lambda cid, m: chain.overdue_from_summary(cid, dict(m), today) is not None,
    )
    return caselist.select(cases, config, today, wanted)


def run(args: argparse.Namespace) -> int:
    today = dt.datetime.now(dt.UTC).date()
    with open_session(args) as s:
        rows = select(s.store.cases, args, s.config, today)
    total = len(rows)
    if args.limit > 0:
        rows = rows[: args.limit]
    states = {st: t(f"state.{st}") for st in crecords.STATES}
    flags: dict[str, str] = {}
    dash = "—"

    def flag_text(m: Mapping[str, Any]) -> str:
        return ",".join(flags.setdefault(f, t(f"flag.{f}")) for f in m["fl"])

    categories: dict[str, str] = {}

    def category(code: str | None) -> str:
        return categories.setdefault(code, caselist.category_label(code)) if code else dash

    table = [
        (
            short(cid),
            m["rcv"],
            states[m["st"]],
            category(m["cat"]),
            m["reg"] or dash,
            t(f"severity.{m['sev']}") if m["sev"] else dash,
            m["asg"] or dash,
            nxt.isoformat() if nxt else dash,
            flag_text(m),
        )
        for cid, m, nxt in rows
    ]
    heads = [
        t("col.case"),
        t("col.received"),
        t("col.status"),
        t("col.category"),
        t("col.region"),
        t("col.severity"),
        t("col.assigned"),
        t("col.due"),
        t("col.flags"),
    ]
    out(render(heads, table, max_width=28))
    out(t("list.count", shown=len(table), total=total))
    return 0
