"""Aggregate statistics over cases: an HTML report with bar charts as separate SVG files.

Counts only. A cell with 1 to ``k - 1`` cases (k = 5 by default) is shown as ``"<5"``; in a
table whose cells add up to the known total, more cells (the smallest of at least k first) are
hidden as ``"≥5"`` until the small ones cannot be recovered by subtraction, and a table where
that is impossible is withheld (``"*"``) (see :func:`suppress`). Charts draw no bar for a
hidden cell. A report over fewer than k cases is refused.

Provinces with fewer than k cases are merged into one row, so the report does not reveal
which provinces a few reports came from.

Tables: reports by category, by province, by election phase (derived from the incident date
and the election calendar, see :mod:`reviewer.escalation.phases`); the funnel reported →
verified → escalated → sanctioned; retaliation events (retaliation reports and follow-ups) by
phase; time to acknowledge.

Leaks: the funnel's steps are nested totals; the difference of two steps is not suppressed.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from crypto.fsutil import write_atomic
from reviewer.errors import CalendarError
from reviewer.escalation import phases, regulations
from reviewer.escalation.case import CaseFacts, parse_incident
from reviewer.escalation.svgchart import Bar, attr, bar_chart
from reviewer.escalation.tracking import TrackingLog
from reviewer.i18n import both as _both
from reviewer.i18n import indonesian as t

K = 5
VERIFIED_STATES = frozenset({"escalated", "closed_substantiated"})
ACK_BUCKETS = (("0_1", 0, 1), ("2_7", 2, 7), ("8_30", 8, 30), ("31_", 31, 10**9))


@dataclass(frozen=True)
class Cell:
    """One cell of a table: label keys, the true count (kept for drawing) and what is shown."""

    key: str
    label: str
    count: int
    shown: str
    hidden: bool


@dataclass(frozen=True)
class Table:
    """A titled list of cells."""

    name: str
    title: str
    cells: tuple[Cell, ...]


WITHHELD = "*"


def _pinned(small: Sequence[int], big: Sequence[int], k: int) -> bool:
    """Whether a reader who knows the hidden cells' sum (the total minus the shown cells), that
    each small one is 1..k-1 and each big one ≥ k, can tell a small cell's exact value."""
    if not small:
        return False
    total, m, b = sum(small) + sum(big), len(small), len(big)
    upper = min(k - 1, total - (m - 1) - b * k)
    lower = 1 if b else max(1, total - (m - 1) * (k - 1))
    return upper <= lower


def suppress(counts: Mapping[str, int], k: int = K, partition: bool = True) -> dict[str, str]:
    """What to show for each count: ``"<k"`` for 1..k-1, else the number.

    In a partition of a known total, counts ≥ k are hidden too (``"≥k"``, smallest first, at
    least one) until no small cell can be worked out by subtraction: hiding just one is not
    enough when it is exactly k (1 and 5 hidden, sum 6: the small one must be 1). If even
    hiding every count leaves a small one determined (e.g. all of them 4 and 4, sum 8), the
    table's non-zero cells are all withheld as ``"*"`` and its zero cells with them.
    """
    shown = {key: (f"<{k}" if 0 < c < k else str(c)) for key, c in counts.items()}
    small = [c for c in counts.values() if 0 < c < k]
    if not (partition and small):
        return shown
    big = sorted((c, key) for key, c in counts.items() if c >= k)
    hidden: list[int] = []
    for c, key in big:
        if hidden and not _pinned(small, hidden, k):
            break
        shown[key] = f"≥{k}"
        hidden.append(c)
    if _pinned(small, hidden, k):
        shown = dict.fromkeys(counts, WITHHELD)
    return shown


def _table(name: str, counts: Mapping[str, int], labels: Mapping[str, str], k: int,
           partition: bool = True) -> Table:  # fmt: skip
    shown = suppress(counts, k, partition)
    cells = tuple(Cell(key, labels.get(key, key), c, shown[key], not shown[key].isdigit())
                  for key, c in counts.items())  # fmt: skip
    return Table(name, t(f"stats.{name}"), cells)


def _category_counts(cases: Sequence[CaseFacts]) -> tuple[dict[str, int], dict[str, str]]:
    seen = Counter(c.category if c.category in regulations.CATEGORIES else "other" for c in cases)
    counts = {cat: seen.get(cat, 0) for cat in regulations.CATEGORIES}
    return counts, {cat: _both(f"category.{cat}") for cat in counts}


def _region_counts(cases: Sequence[CaseFacts], k: int) -> tuple[dict[str, int], dict[str, str]]:
    """Provinces with at least ``k`` cases by name; every smaller one merged into one row, so
    the report does not even say which provinces a few reports came from."""
    seen = Counter(" ".join(c.region.split()).title() or "?" for c in cases)
    counts = {name: n for name, n in sorted(seen.items()) if n >= k and name != "?"}
    rest = sum(n for name, n in seen.items() if name not in counts)
    if rest:
        counts["*"] = rest
    return counts, {"*": _both("stats.other_regions", k=k)}


def phase_of(case: CaseFacts, elections: Sequence[phases.Election]) -> str:
    """The election phase of a case's incident (``unknown`` without an incident date)."""
    kind = regulations.election_kind(case.election)
    year = re.search(r"\b(19|20)\d\d\b", case.election)
    return phases.derive(case.incident_date, elections, kind=kind,
                         year=int(year.group()) if year else None, category=case.category)[0]


def _phase_counts(cases: Sequence[CaseFacts], elections: Sequence[phases.Election]
                  ) -> tuple[dict[str, int], dict[str, str]]:  # fmt: skip
    seen = Counter(phase_of(c, elections) for c in cases)
    keys = (*phases.PHASES, "unknown")
    return {p: seen.get(p, 0) for p in keys}, {p: _both(f"phase.{p}") for p in keys}


def _retaliation_phase_counts(cases: Sequence[CaseFacts], elections: Sequence[phases.Election]
                              ) -> tuple[dict[str, int], dict[str, str]]:  # fmt: skip
    """Retaliation events by phase: reports filed under the retaliation category (their incident
    month) and retaliation follow-ups sent later with the receipt (their month). Counts
    events, not cases: the paper's post-election retaliation shows up here."""
    seen: Counter[str] = Counter()
    for c in cases:
        kind = regulations.election_kind(c.election)
        if c.category == "retaliation":
            seen[phase_of(c, elections)] += 1
        for ret in c.retaliations:
            day = parse_incident(ret.get("retaliation_month"))
            seen[phases.derive(day, elections, kind=kind, category="retaliation")[0]] += 1
    keys = (*phases.PHASES, "unknown")
    return {p: seen.get(p, 0) for p in keys}, {p: _both(f"phase.{p}") for p in keys}


def funnel(cases: Sequence[CaseFacts], log: TrackingLog | None) -> dict[str, int]:
    """reported → verified → escalated → sanctioned (each a subset of the one before)."""
    tracked = log.escalated_cases() if log else set()
    sanctioned = log.sanctioned_cases() if log else set()
    escalated = {c.case_id for c in cases if "escalated" in c.states() or c.case_id in tracked}
    verified = escalated | {c.case_id for c in cases if c.states() & VERIFIED_STATES}
    ids = {c.case_id for c in cases}
    return {"reported": len(ids), "verified": len(verified & ids),
            "escalated": len(escalated & ids), "sanctioned": len(sanctioned & escalated & ids)}


def ack_days(cases: Sequence[CaseFacts]) -> list[int | None]:
    """Days from receipt to acknowledgement per case (None: not acknowledged yet)."""
    out: list[int | None] = []
    for c in cases:
        ack = c.ack_day()
        out.append(max(0, (ack - c.received_day).days) if ack else None)
    return out


def _ack_counts(days: Sequence[int | None]) -> tuple[dict[str, int], dict[str, str]]:
    counts = {key: sum(1 for d in days if d is not None and lo <= d <= hi)
              for key, lo, hi in ACK_BUCKETS}  # fmt: skip
    counts["none"] = sum(1 for d in days if d is None)
    return counts, {key: _both(f"stats.ack.{key}") for key in counts}


@dataclass(frozen=True)
class Report:
    """Everything the HTML shows."""

    n: int
    tables: tuple[Table, ...]
    ack_median: float | None
    elections: tuple[phases.Election, ...]
    k: int = K


def compute(
    cases: Sequence[CaseFacts], *, log: TrackingLog | None = None,
    elections: Sequence[phases.Election] | None = None, k: int = K,
) -> Report:  # fmt: skip
    """Aggregate ``cases``. ValueError if there are fewer than ``k`` cases (any table would
    single someone out); CalendarError if the calendar holds no election."""
    if len(cases) < k:
        raise ValueError(f"fewer than {k} cases: no statistics")
    elections = list(elections) if elections is not None else phases.load()
    if not elections:
        raise CalendarError("no election in the calendar")
    days = ack_days(cases)
    acked = [d for d in days if d is not None]
    fun = funnel(cases, log)
    tables = (
        _table("by_category", *_category_counts(cases), k=k),
        _table("by_region", *_region_counts(cases, k), k=k),
        _table("by_phase", *_phase_counts(cases, elections), k=k),
        _table("retaliation", *_retaliation_phase_counts(cases, elections), k=k),
        _table("funnel", fun, {s: _both(f"stats.funnel.{s}") for s in fun}, k=k,
               partition=False),
        _table("ack", *_ack_counts(days), k=k),
    )  # fmt: skip
    median = statistics.median(acked) if len(acked) >= k else None
    return Report(len(cases), tables, median, tuple(elections), k)


def _html_table(table: Table, svg_name: str) -> str:
    rows = "".join(f"<tr><td>{escape(c.label)}</td><td class=n>{escape(c.shown)}</td></tr>"
                   for c in table.cells)  # fmt: skip
    return (f"<section><h2>{escape(_both('stats.' + table.name))}</h2>"
            f"<img src={attr(svg_name)} alt={attr(table.title)}>"
            f"<table><thead><tr><th>{escape(_both('stats.col_group'))}</th>"
            f"<th>{escape(_both('stats.col_count'))}</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></section>")  # fmt: skip


def render(report: Report, svg_prefix: str, today: dt.date) -> tuple[str, dict[str, str]]:
    """(HTML text, {svg file name: svg text})."""
    svgs = {f"{svg_prefix}-{tb.name}.svg": bar_chart(
        tb.title, [Bar(c.label.split(" / ")[0], None if c.hidden else c.count, c.shown)
                   for c in tb.cells]) for tb in report.tables}  # fmt: skip
    names = list(svgs)
    pairs = zip(report.tables, names, strict=True)
    sections = "".join(_html_table(tb, n) for tb, n in pairs)
    if report.ack_median is not None:
        sections += f"<p>{escape(_both('stats.ack_median', days=report.ack_median))}</p>"
    cal = _both("stats.calendar", names=", ".join(e.name for e in report.elections),
                sources=" | ".join(e.source for e in report.elections))  # fmt: skip
    intro = _both("stats.generated", day=today.isoformat(), n=report.n, k=report.k)
    html = ("<!doctype html><html lang=id><head><meta charset=utf-8>"
            f"<title>{escape(t('stats.title'))}</title><style>"
            "body{font-family:sans-serif;max-width:60em;margin:2em auto}"
            "table{border-collapse:collapse;margin:.5em 0 2em}td,th{border:1px solid #999;"
            "padding:.2em .6em}.n{text-align:right}img{max-width:100%;display:block}</style>"
            f"</head><body><h1>{escape(_both('stats.title'))}</h1>"
            f"<p>{escape(intro)}</p>"
            f"{sections}<p><small>{escape(cal)}</small></p></body></html>\n")  # fmt: skip
    return html, svgs


def write(report: Report, out: Path, today: dt.date | None = None) -> list[Path]:
    """Write the HTML to ``out`` and the SVG charts beside it; return the SVG paths."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    html, svgs = render(report, out.stem, today or dt.date.today())
    paths = []
    for name, svg in svgs.items():
        write_atomic(out.parent / name, svg.encode("utf-8"))
        paths.append(out.parent / name)
    write_atomic(out, html.encode("utf-8"))
    return paths

