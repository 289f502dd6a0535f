"""Which cases a list shows: the filters of ``bisik-reviewer list`` as a library function.

Works on the store index's summaries (:meth:`reviewer.case.Case.summary`), never opening a
case, so filtering 10,000 cases costs no decryption. Text filters match a part of the code or
of its label in either case ("mobil" finds ``mobilisation`` and "Mobilisasi…"); the date
filters use the same deadlines as ``due`` (:mod:`reviewer.deadlines`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import vocabulary as vocab
from .deadlines import next_deadline
from .home import Config
from .i18n import t


@dataclass(frozen=True)
class CaseFilter:
    """What to keep; every field left at its default keeps everything."""

    status: str | None = None  # a state of crypto.records.STATES
    category: str | None = None  # part of a category code or its label
    region: str | None = None  # part of a province name
    assigned: str | None = None  # a reviewer id
    due_before: dt.date | None = None  # the next unmet deadline is before this day
    late: bool = False  # the next unmet deadline has passed, or ``late_elsewhere`` says so
    flagged: bool = False  # any flag (evidence, records, damaged, not for you)
    # Also late: the authority a case was escalated to is past its stage's deadline. The
    # caller passes reviewer.escalation.chain's check, which the core may not import.
    late_elsewhere: Callable[[str, Mapping[str, Any]], bool] | None = None


Row = tuple[str, Mapping[str, Any], dt.date | None]


def category_label(code: str) -> str:
    """The catalogue label of a category code (the code itself if it is not one)."""
    return t(f"category.{code}") if code in vocab.CATEGORIES else code


def _match(text: str | None, wanted: str | None, label: str | None = None) -> bool:
    return wanted is None or any(
        x is not None and wanted.casefold() in x.casefold() for x in (text, label)
    )


def _kept(s: Mapping[str, Any], f: CaseFilter) -> bool:
    if f.status and s["st"] != f.status:
        return False
    if f.category is not None and not _match(
        s["cat"], f.category, category_label(s["cat"]) if s["cat"] else None
    ):
        return False
    if not _match(s["reg"], f.region) or (f.flagged and not s["fl"]):
        return False
    return not (f.assigned and s["asg"] != f.assigned)


def is_late(
    cid: str,
    summary: Mapping[str, Any],
    nxt: dt.date | None,
    today: dt.date,
    late_elsewhere: Callable[[str, Mapping[str, Any]], bool] | None = None,
) -> bool:
    """Our next deadline ``nxt`` has passed, or ``late_elsewhere`` (an authority) says late."""
    ours = nxt is not None and nxt < today
    return ours or (late_elsewhere is not None and late_elsewhere(cid, summary))


def select(
    cases: Mapping[str, Mapping[str, Any]],
    config: Config,
    today: dt.date,
    wanted: CaseFilter = CaseFilter(),
) -> list[Row]:
    """(case id, summary, next deadline) of the cases ``wanted`` keeps, newest received
    first (ties by id)."""
    rows: list[Row] = []
    for cid, s in cases.items():
        if not _kept(s, wanted):
            continue
        nxt = next_deadline(dict(s), config)
        if wanted.due_before and (nxt is None or nxt >= wanted.due_before):
            continue
        if wanted.late and not is_late(cid, s, nxt, today, wanted.late_elsewhere):
            continue
        rows.append((cid, s, nxt))
    rows.sort(key=lambda r: (r[1]["rcv"], r[0]), reverse=True)
    return rows
