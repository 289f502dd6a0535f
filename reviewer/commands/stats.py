"""``stats --out report.html [--calendar FILE]``: aggregate counts with small cells hidden."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .. import stats
from ..escalation import statistics
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
    statistics.check_k(args.k)
    phased = statistics.calendar(args.calendar)  # a bad calendar stops before the passphrase
    with open_session(args) as s:
        bar = Progress(len(s.store.cases), t("cli.loading"))
        try:
            report = statistics.report(s, phased, args.k, progress=bar.advance)
        finally:
            bar.close()
    svgs = stats.write(report, args.out)
    out(t("stats.written", path=str(args.out), n=len(svgs)))
    return 0
