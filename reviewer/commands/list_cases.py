"""``list``: the cases in the store as a table, filtered by status, category, region, due date."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from crypto import records as crecords

from ..deadlines import next_deadline
from ..errors import UsageError
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


def _match(text: str | None, wanted: str | None) -> bool:
    return wanted is None or (text is not None and wanted.casefold() in text.casefold())


def select(cases: dict[str, dict[str, Any]], args: argparse.Namespace, config: Any,
           today: dt.date) -> list[tuple[str, dict[str, Any], dt.date | None]]:  # fmt: skip
    """Filtered (id, summary, next deadline) rows, newest received first."""
    before = _date(args.due_before)
    rows = []
    for cid, s in cases.items():
        if (args.status and s["st"] != args.status) or not _match(s["cat"], args.category) \
                or not _match(s["reg"], args.region) or (args.flagged and not s["fl"]) \
                or (args.assigned and s["asg"] != args.assigned):  # fmt: skip
            continue
        nxt = next_deadline(s, config)
        if (before and (nxt is None or nxt >= before)) or (args.late and (nxt is None
                                                                          or nxt >= today)):
            continue
        rows.append((cid, s, nxt))
    rows.sort(key=lambda r: (r[1]["rcv"], r[0]), reverse=True)
    return rows


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

    def flag_text(m: dict[str, Any]) -> str:
        return ",".join(flags.setdefault(f, t(f"flag.{f}")) for f in m["fl"])

    table = [(short(cid), m["rcv"], states[m["st"]], m["cat"] or dash, m["reg"] or dash,
              m["sev"] or dash, m["asg"] or dash, nxt.isoformat() if nxt else dash,
              flag_text(m)) for cid, m, nxt in rows]  # fmt: skip
    heads = [t("col.case"), t("col.received"), t("col.status"), t("col.category"),
             t("col.region"), t("col.severity"), t("col.assigned"), t("col.due"),
             t("col.flags")]  # fmt: skip
    out(render(heads, table, max_width=28))
    out(t("list.count", shown=len(table), total=total))
    return 0
