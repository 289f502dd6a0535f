"""``stats --out report.html [--calendar FILE]``: aggregate counts with small cells hidden."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .. import stats
from ..errors import StatsError
from ..escalation import phases, storeview
from ..i18n import t
from ..session import open_session
from ..ui.progress import Progress
from . import out


def register(sub: Any) -> None:
    p = sub.add_parser("stats", help=t("cli.stats.help"), description=t("cli.stats.help"))
    p.add_argument("--out", required=True, type=Path, metavar="FILE", help=t("cli.stats.out"))
    p.add_argument("--calendar", type=Path, metavar="FILE", help=t("cli.stats.calendar"))
    p.add_argument("--k", type=int, default=stats.K, help=t("cli.stats.k"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.k < 3:
        raise StatsError("a small-cell threshold under 3 protects nobody")
    elections = phases.load(args.calendar)
    with open_session(args) as s:
        ids = list(s.store.cases)
        bar = Progress(len(ids), t("cli.loading"))
        facts = []
        for case_id in ids:
            case = s.store.load_case(case_id)
            if case.get("readable"):
                facts.append(storeview.case_facts(case))
            bar.advance()
        bar.close()
        log = storeview.load_tracking(s.store)
    if len(facts) < args.k:
        raise StatsError("stats.too_few", n=len(facts), k=args.k)
    report = stats.compute(facts, log=log, elections=elections, k=args.k)
    svgs = stats.write(report, args.out)
    out(t("stats.written", path=str(args.out), n=len(svgs)))
    return 0
