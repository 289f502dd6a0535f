"""Dates as an Indonesian letter writes them: "5 Desember 2026", "November 2024", "2024".

A dossier never shows an ISO date: the month names are catalogue entries (``month.<n>``, in
Indonesian for dossiers), and a date the reporter gave only to the month or the year is shown
to that precision, never as a made-up day. Leaks nothing.
"""

from __future__ import annotations

import datetime as dt
import re

from ..i18n import indonesian as t

_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def month_name(month: int) -> str:
    """The Indonesian name of ``month`` (1–12)."""
    return t(f"month.{month}")


def day_text(day: dt.date) -> str:
    """``5 Desember 2026``."""
    return f"{day.day} {month_name(day.month)} {day.year}"


def month_text(day: dt.date) -> str:
    """``Desember 2026``: a date known (or shown) only to the month."""
    return f"{month_name(day.month)} {day.year}"


def roman_month(day: dt.date) -> str:
    """The month in Roman numerals, as Indonesian letter numbers carry it (``XII``)."""
    return _ROMAN[day.month - 1]


def as_given(text: str) -> str:
    """A date as the reporter gave it ("2024-11-18", "2024-11", "2024") in words, to the same
    precision; any other text unchanged."""
    full = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text.strip())
    if full:
        try:
            return day_text(dt.date(*map(int, full.groups())))
        except ValueError:
            return text
    month = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if month and 1 <= int(month.group(2)) <= 12:
        return f"{month_name(int(month.group(2)))} {month.group(1)}"
    return text
