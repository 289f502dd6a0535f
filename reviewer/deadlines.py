"""Acknowledgement and feedback deadlines, counted from the day a case was received.

Defaults (reviewer config): acknowledge within 7 days, first feedback within 3 calendar months
(the EU whistleblowing directive's rhythm, which the organisation may tighten). A closed case
owes nothing — until the reporter writes again: an item sent after closure (a retaliation
report, evidence, a message, a consent change; :mod:`reviewer.activity`) re-arms the
acknowledgement deadline, ``ack_days`` from the day of the first unanswered such item, closed or
not. ``due soon`` means within ``due_soon_days`` of the deadline.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from .case import CLOSED_STATES
from .home import Config


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day ``months`` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Due:
    """One open obligation: ``kind`` is ``ack``, ``feedback``, ``late_ack`` (acknowledge what
    the reporter sent after the case was closed) or ``withdrawn`` (consent withdrawn after the
    case was escalated to that authority)."""

    case_id: str
    kind: str
    deadline: dt.date
    days_left: int
    authorities: tuple[str, ...] = ()  # ``withdrawn``: the consent codes a dossier went to

    @property
    def late(self) -> bool:
        """True once the deadline has passed."""
        return self.days_left < 0


def obligations(case_id: str, summary: dict[str, Any], config: Config, today: dt.date) -> list[Due]:
    """The deadlines this case has not met yet (empty when all met, or closed with nothing
    sent since)."""
    out = [
        Due(case_id, kind, day, (day - today).days, tuple(summary.get("wda") or ()))
        if kind == "withdrawn"
        else Due(case_id, kind, day, (day - today).days)
        for kind, day in _reopened(summary, config)
    ]
    if summary["st"] in CLOSED_STATES or not summary.get("rd", True):
        return out
    received = dt.date.fromisoformat(summary["rcv"])
    if not summary.get("ack"):
        deadline = received + dt.timedelta(days=config.ack_days)
        out.append(Due(case_id, "ack", deadline, (deadline - today).days))
    if not summary.get("fb"):
        deadline = add_months(received, config.feedback_months)
        out.append(Due(case_id, "feedback", deadline, (deadline - today).days))
    return out


def _reopened(summary: dict[str, Any], config: Config) -> list[tuple[str, dt.date]]:
    """(kind, deadline) of acknowledgements re-armed by the reporter: items sent after closure
    (``late_ack``) and consent withdrawn after escalation (``withdrawn``)."""
    out = []
    for key, kind in (("late", "late_ack"), ("wd", "withdrawn")):
        day = summary.get(key)  # absent in index entries written before these existed
        if day:
            out.append((kind, dt.date.fromisoformat(day) + dt.timedelta(days=config.ack_days)))
    return out


def next_deadline(summary: dict[str, Any], config: Config) -> dt.date | None:
    """The earliest unmet deadline of a case, or None (closed, not ours, or all met).

    The fast path ``list`` uses for every row; same rules as :func:`obligations`.
    """
    reopened = [day for _kind, day in _reopened(summary, config)]
    if reopened:  # the reporter's newest items: their answer is older than the others
        return min(reopened)
    if summary["st"] in CLOSED_STATES or not summary.get("rd", True):
        return None
    if not summary.get("ack"):
        return dt.date.fromisoformat(summary["rcv"]) + dt.timedelta(days=config.ack_days)
    if not summary.get("fb"):
        return add_months(dt.date.fromisoformat(summary["rcv"]), config.feedback_months)
    return None


_ALWAYS = frozenset({"late_ack", "withdrawn"})  # listed however far their deadline


def due_list(
    cases: dict[str, dict[str, Any]], config: Config, today: dt.date, *, soon_only: bool = True
) -> list[Due]:
    """Obligations that are late or due within ``config.due_soon_days``, most urgent first.

    An item sent after closure and a withdrawal after escalation are always listed, however
    far their deadline: nobody looks at a closed case, and a withdrawal must stop the next
    sending."""
    found = [d for cid, s in cases.items() for d in obligations(cid, s, config, today)]
    if soon_only:
        found = [d for d in found if d.days_left <= config.due_soon_days or d.kind in _ALWAYS]
    return sorted(found, key=lambda d: (d.deadline, d.case_id, d.kind))
