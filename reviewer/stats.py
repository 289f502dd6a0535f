"""Aggregate statistics over cases: an HTML report with bar charts as separate SVG files.

Counts only. A cell with 1 to ``k - 1`` cases (k = 5 by default) is shown as ``"<5"``; in a
table whose cells add up to the known total, more cells (the smallest of at least k first) are
hidden as ``"≥5"`` until the small ones cannot be recovered by subtraction, and a table where
that is impossible is withheld (``"*"``) (see :func:`suppress`). Charts draw no bar for a
hidden cell. A report over fewer than k counted cases is refused.

What is counted (:func:`counted`): anyone can file reports, so a flood of fake ones could
otherwise lift a small cell over the threshold (one real case plus four fakes shows as "5",
and the faker, who knows their four, learns there is exactly one real case) or fill the charts.
The tables by category, province, phase and retaliation count only **distinct,
verified-looking** cases: a reviewer has signed a status or reply on it (acknowledged), its
newest status does not dismiss it (``closed_unsubstantiated``, ``closed_outside_mandate``),
and reports with identical form fields count once. The funnel's first step and the
time-to-acknowledge table count every distinct case, acknowledged or not: those are about
the team's work, not about who reported what.

Row labels are codes of the report vocabulary only (category codes, province names of
:data:`reviewer.vocabulary.PROVINCES`, phase names): nothing a reporter typed is published.
Provinces with fewer than k counted cases are merged into one row, so the report does not
reveal which provinces a few reports came from.

Tables: reports by category, by province, by election phase (the caller's :class:`Phases`
derives it from the incident date and an election calendar); the funnel reported → verified
→ escalated → sanctioned (the caller says which cases were escalated or sanctioned); retaliation
events (retaliation reports and follow-ups) by phase; time to acknowledge.

Leaks: the funnel's steps are nested totals; the difference of two steps is not suppressed.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Protocol

from crypto.fsutil import write_atomic

from . import vocabulary as vocab
from .case import Case, parse_incident
from .i18n import both as _both
from .i18n import indonesian as t
from .ui.svgchart import Bar, attr, bar_chart

K = 5
VERIFIED_STATES = frozenset({"escalated", "closed_substantiated"})
DISMISSED_STATES = frozenset({"closed_unsubstantiated", "closed_outside_mandate"})
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


class Phases(Protocol):
    """The election calendar statistics are drawn against (the CLI adapts
    ``reviewer.escalation.phases``): phase names in order, and the phase of a day."""

    keys: tuple[str, ...]  # every phase name, "unknown" last
    names: str  # the elections, for the report's footnote
    sources: str  # where their dates come from

    def phase(self, day: dt.date | None, election: str, category: str, region: str = "") -> str:
        """The phase of ``day`` for a report about ``election`` (free text) in ``category``,
        from ``region``'s calendar where one overrides the general one."""
        ...


def _latest_state(case: Case) -> str:
    history = sorted(case.status_history, key=lambda s: s.day)
    return history[-1].state if history else "received"


def _identity(case: Case) -> object:
    """Reports with identical form fields are one report sent many times."""
    if not case.fields:
        return case.case_id
    return tuple(sorted((str(k), str(v)) for k, v in case.fields.items()))


def distinct(cases: Sequence[Case]) -> list[Case]:
    """The cases with duplicates (identical form fields) dropped, first one kept."""
    seen: set[object] = set()
    out = []
    for case in cases:
        key = _identity(case)
        if key not in seen:
            seen.add(key)
            out.append(case)
    return out


def counted(cases: Sequence[Case]) -> list[Case]:
    """Distinct, verified-looking cases: acknowledged by a signed record and not dismissed
    by their newest status. What the tables by category, province and phase count."""
    return [
        c
        for c in distinct(cases)
        if c.ack_day() is not None and _latest_state(c) not in DISMISSED_STATES
    ]


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


def _table(
    name: str, counts: Mapping[str, int], labels: Mapping[str, str], k: int, partition: bool = True
) -> Table:
    shown = suppress(counts, k, partition)
    cells = tuple(
        Cell(key, labels.get(key, key), c, shown[key], not shown[key].isdigit())
        for key, c in counts.items()
    )
    return Table(name, t(f"stats.{name}"), cells)


def _category_counts(cases: Sequence[Case]) -> tuple[dict[str, int], dict[str, str]]:
    seen = Counter(c.category if c.category in vocab.CATEGORIES else "other" for c in cases)
    counts = {cat: seen.get(cat, 0) for cat in vocab.CATEGORIES}
    return counts, {cat: _both(f"category.{cat}") for cat in counts}


def _region_counts(cases: Sequence[Case], k: int) -> tuple[dict[str, int], dict[str, str]]:
    """Provinces with at least ``k`` cases by name; every smaller one merged into one row, so
    the report does not even say which provinces a few reports came from. Only names of the
    vocabulary's provinces can be a label; anything else counts in the merged row."""
    seen = Counter(c.region if c.region in vocab.PROVINCES else "?" for c in cases)
    counts = {name: n for name, n in sorted(seen.items()) if n >= k and name != "?"}
    rest = sum(n for name, n in seen.items() if name not in counts)
    if rest:
        counts["*"] = rest
    return counts, {"*": _both("stats.other_regions", k=k)}


def _phase_counts(cases: Sequence[Case], phases: Phases) -> tuple[dict[str, int], dict[str, str]]:
    seen = Counter(phases.phase(c.incident_date, c.election, c.category, c.region) for c in cases)
    return {p: seen.get(p, 0) for p in phases.keys}, {p: _both(f"phase.{p}") for p in phases.keys}


def _retaliation_phase_counts(
    cases: Sequence[Case], phases: Phases
) -> tuple[dict[str, int], dict[str, str]]:
    """Retaliation events by phase: reports filed under the retaliation category (their incident
    month) and retaliation follow-ups sent later with the receipt (their month). Counts
    events, not cases: the paper's post-election retaliation shows up here."""
    seen: Counter[str] = Counter()
    for c in cases:
        if c.category == "retaliation":
            seen[phases.phase(c.incident_date, c.election, c.category, c.region)] += 1
        for ret in c.retaliations:
            day = parse_incident(ret.get("retaliation_month"))
            seen[phases.phase(day, c.election, "retaliation", c.region)] += 1
    return {p: seen.get(p, 0) for p in phases.keys}, {p: _both(f"phase.{p}") for p in phases.keys}


def funnel(
    cases: Sequence[Case], tracked: Collection[str] = (), sanctioned: Collection[str] = ()
) -> dict[str, int]:
    """reported → verified → escalated → sanctioned (each a subset of the one before);
    ``tracked``: ids of cases with a dossier, ``sanctioned``: ids an authority sanctioned."""
    sanctioned = set(sanctioned)
    escalated = {c.case_id for c in cases if "escalated" in c.states() or c.case_id in tracked}
    verified = escalated | {c.case_id for c in cases if c.states() & VERIFIED_STATES}
    ids = {c.case_id for c in cases}
    return {
        "reported": len(ids),
        "verified": len(verified & ids),
        "escalated": len(escalated & ids),
        "sanctioned": len(sanctioned & escalated & ids),
    }


def ack_days(cases: Sequence[Case]) -> list[int | None]:
    """Days from receipt to acknowledgement per case (None: not acknowledged yet)."""
    out: list[int | None] = []
    for c in cases:
        ack = c.ack_day()
        out.append(max(0, (ack - c.received_day).days) if ack else None)
    return out


def _ack_counts(days: Sequence[int | None]) -> tuple[dict[str, int], dict[str, str]]:
    counts = {
        key: sum(1 for d in days if d is not None and lo <= d <= hi) for key, lo, hi in ACK_BUCKETS
    }
    counts["none"] = sum(1 for d in days if d is None)
    return counts, {key: _both(f"stats.ack.{key}") for key in counts}


@dataclass(frozen=True)
class Report:
    """Everything the HTML shows."""

    n: int
    tables: tuple[Table, ...]
    ack_median: float | None
    calendar: tuple[str, str]  # (election names, sources)
    k: int = K


def compute(
    cases: Sequence[Case],
    phases: Phases,
    *,
    escalated: Collection[str] = (),
    sanctioned: Collection[str] = (),
    k: int = K,
) -> Report:
    """Aggregate ``cases`` (see the module's docstring for what is counted). ValueError if
    fewer than ``k`` cases are counted: any table would single someone out. ``escalated`` and
    ``sanctioned`` are case ids from the tracking log."""
    every = distinct(cases)
    real = counted(cases)
    if len(real) < k:
        raise ValueError(f"fewer than {k} counted cases: no statistics")
    days = ack_days(every)
    acked = [d for d in days if d is not None]
    fun = funnel(every, escalated, sanctioned)
    tables = (
        _table("by_category", *_category_counts(real), k=k),
        _table("by_region", *_region_counts(real, k), k=k),
        _table("by_phase", *_phase_counts(real, phases), k=k),
        _table("retaliation", *_retaliation_phase_counts(real, phases), k=k),
        _table("funnel", fun, {s: _both(f"stats.funnel.{s}") for s in fun}, k=k, partition=False),
        _table("ack", *_ack_counts(days), k=k),
    )
    median = statistics.median(acked) if len(acked) >= k else None
    return Report(len(real), tables, median, (phases.names, phases.sources), k)


def _html_table(table: Table, svg_name: str) -> str:
    rows = "".join(
        f"<tr><td>{escape(c.label)}</td><td class=n>{escape(c.shown)}</td></tr>"
        for c in table.cells
    )
    return (
        f"<section><h2>{escape(_both('stats.' + table.name))}</h2>"
        f"<img src={attr(svg_name)} alt={attr(table.title)}>"
        f"<table><thead><tr><th>{escape(_both('stats.col_group'))}</th>"
        f"<th>{escape(_both('stats.col_count'))}</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></section>"
    )


def render(report: Report, svg_prefix: str, today: dt.date) -> tuple[str, dict[str, str]]:
    """(HTML text, {svg file name: svg text})."""
    svgs = {
        f"{svg_prefix}-{tb.name}.svg": bar_chart(
            tb.title,
            [
                Bar(c.label.split(" / ")[0], None if c.hidden else c.count, c.shown)
                for c in tb.cells
            ],
        )
        for tb in report.tables
    }
    names = list(svgs)
    pairs = zip(report.tables, names, strict=True)
    sections = "".join(_html_table(tb, n) for tb, n in pairs)
    if report.ack_median is not None:
        sections += f"<p>{escape(_both('stats.ack_median', days=report.ack_median))}</p>"
    cal = _both("stats.calendar", names=report.calendar[0], sources=report.calendar[1])
    intro = _both("stats.generated", day=today.isoformat(), n=report.n, k=report.k)
    html = (
        "<!doctype html><html lang=id><head><meta charset=utf-8>"
        f"<title>{escape(t('stats.title'))}</title><style>"
        "body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "table{border-collapse:collapse;margin:.5em 0 2em}td,th{border:1px solid #999;"
        "padding:.2em .6em}.n{text-align:right}img{max-width:100%;display:block}</style>"
        f"</head><body><h1>{escape(_both('stats.title'))}</h1>"
        f"<p>{escape(intro)}</p>"
        f"{sections}<p><small>{escape(cal)}</small></p></body></html>\n"
    )
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
