"""``stats --out report.html [--calendar FILE]``: aggregate counts with small cells hidden."""

from __future__ import annotations

import argparse
import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import stats
from ..errors import CalendarError, StatsError
from ..escalation import chain, phases, regulations, tracking
from ..i18n import t
from ..session import open_session
from ..ui.progress import Progress
from . import out


class CalendarPhases:
    """The election calendar of :mod:`reviewer.escalation.phases` as :class:`stats.Phases`."""

    keys: tuple[str, ...] = (*phases.PHASES, "unknown")

    def __init__(self, elections: Sequence[phases.Election]) -> None:
        if not elections:
            raise CalendarError("no election in the calendar")
        self.elections = list(elections)
        self.names = ", ".join(e.name for e in elections)
        self.sources = " | ".join(e.source for e in elections)

    def phase(self, day: dt.date | None, election: str, category: str,
              region: str = "") -> str:  # fmt: skip
        """The phase of ``day`` among the elections the report's election text matches, with
        ``region``'s own calendar where one overrides the general one."""
        year = re.search(r"\b(19|20)\d\d\b", election)
        return phases.derive(day, self.elections, kind=regulations.election_kind(election),
                             year=int(year.group()) if year else None, category=category,
                             region=region)[0]


def register(sub: Any) -> None:
    p = sub.add_parser("stats", help=t("cli.stats.help"), description=t("cli.stats.help"))
    p.add_argument("--out", required=True, type=Path, metavar="FILE", help=t("cli.stats.out"))
    p.add_argument("--calendar", type=Path, metavar="FILE", help=t("cli.stats.calendar"))
    p.add_argument("--k", type=int, default=stats.K, help=t("cli.stats.k"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.k < 3:
        raise StatsError("a small-cell threshold under 3 protects nobody")
    calendar = CalendarPhases(phases.load(args.calendar))
    with open_session(args) as s:
        ids = list(s.store.cases)
        bar = Progress(len(ids), t("cli.loading"))
        cases = []
        for case_id in ids:
            case = s.store.case(case_id)
            if case.readable:
                cases.append(case)
            bar.advance()
        bar.close()
        log = tracking.load(s.store)
    counted = len(stats.counted(cases))
    if counted < args.k:
        raise StatsError("stats.too_few", n=counted, k=args.k)
    steps = {c.case_id: chain.chain(c) for c in cases}  # the signed chain (SPEC §16) and the
    escalated = log.escalated_cases() | {c for c, s in steps.items() if s}  # old local log
    sanctioned = log.sanctioned_cases() | {c for c, s in steps.items()
                                           if any(x.stage == "sanction" for x in s)}  # fmt: skip
    report = stats.compute(cases, calendar, escalated=escalated, sanctioned=sanctioned,
                           k=args.k)  # fmt: skip
    svgs = stats.write(report, args.out)
    out(t("stats.written", path=str(args.out), n=len(svgs)))
    return 0
