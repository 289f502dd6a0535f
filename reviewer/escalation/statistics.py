"""The statistics of a reviewer's store, as ``stats`` and the desktop app both make them:
the cases counted by :mod:`reviewer.stats`, phases from the election calendar
(:mod:`.phases`), escalations and sanctions from the signed chain (:mod:`.chain`) and the
old tracking log (:mod:`.tracking`).

Leaks: nothing is written here; the report holds counts only, with cells under ``k`` hidden.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from .. import stats
from ..errors import CalendarError, StatsError
from ..session import Session
from . import chain, phases, regulations, tracking


class CalendarPhases:
    """The election calendar of :mod:`reviewer.escalation.phases` as :class:`stats.Phases`."""

    keys: tuple[str, ...] = (*phases.PHASES, "unknown")

    def __init__(self, elections: Sequence[phases.Election]) -> None:
        if not elections:
            raise CalendarError("no election in the calendar")
        self.elections = list(elections)
        self.names = ", ".join(e.name for e in elections)
        self.sources = " | ".join(e.source for e in elections)

    def phase(self, day: dt.date | None, election: str, category: str, region: str = "") -> str:
        """The phase of ``day`` among the elections the report's election text matches, with
        ``region``'s own calendar where one overrides the general one."""
        year = re.search(r"\b(19|20)\d\d\b", election)
        return phases.derive(
            day,
            self.elections,
            kind=regulations.election_kind(election),
            year=int(year.group()) if year else None,
            category=category,
            region=region,
        )[0]


def calendar(path: Path | None = None) -> CalendarPhases:
    """The shipped election calendar, or the one in ``path``; CalendarError if unusable."""
    return CalendarPhases(phases.load(path))


def check_k(k: int) -> None:
    """StatsError for a small-cell threshold that protects nobody (under 3)."""
    if k < 3:
        raise StatsError("a small-cell threshold under 3 protects nobody")


def report(
    session: Session,
    phased: CalendarPhases,
    k: int = stats.K,
    progress: Callable[[], object] | None = None,
) -> stats.Report:
    """Count every readable case of the store (``progress`` called once per case read).
    StatsError for a threshold under 3 or fewer than ``k`` counted cases."""
    check_k(k)
    cases = []
    for case_id in list(session.store.cases):
        case = session.store.case(case_id)
        if case.readable:
            cases.append(case)
        if progress is not None:
            progress()
    counted = len(stats.counted(cases))
    if counted < k:
        raise StatsError("stats.too_few", n=counted, k=k)
    log = tracking.load(session.store)  # the old local log, and the signed chain (SPEC §16)
    steps = {c.case_id: chain.chain(c) for c in cases}
    escalated = log.escalated_cases() | {c for c, s in steps.items() if s}
    sanctioned = log.sanctioned_cases() | {
        c for c, s in steps.items() if any(x.stage == "sanction" for x in s)
    }
    return stats.compute(cases, phased, escalated=escalated, sanctioned=sanctioned, k=k)
