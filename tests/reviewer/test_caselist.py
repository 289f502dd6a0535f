"""``reviewer.caselist``: the list filters as a library function (what ``list`` and a
desktop window both call)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from reviewer.caselist import CaseFilter, category_label, select
from reviewer.home import Config
from reviewer.i18n import t

TODAY = dt.date(2026, 12, 1)


def _s(rcv: str, **kw: Any) -> dict[str, Any]:
    base = {
        "st": "received",
        "rcv": rcv,
        "rd": True,
        "cat": "rally",
        "reg": "Bali",
        "asg": None,
        "fl": [],
        "ack": None,
        "fb": None,
    }
    return {**base, **kw}


CASES = {
    "a": _s("2026-11-30"),  # ack due 12-07
    "b": _s("2026-11-01", cat="mobilisation", reg="Jawa Tengah", asg="budi"),  # ack late
    "c": _s("2026-10-01", st="closed_substantiated", fl=["evidence_missing"]),
    "d": _s("2026-11-20", ack="2026-11-21", fb="2026-11-22", cat=None, rd=False, fl=["not_for_me"]),
}


def _ids(**kw: Any) -> list[str]:
    return [cid for cid, _, _ in select(CASES, Config(), TODAY, CaseFilter(**kw))]


def test_filters() -> None:
    assert _ids() == ["a", "d", "b", "c"]  # newest received first
    assert _ids(status="closed_substantiated") == ["c"]
    assert _ids(category="mobil") == ["b"]  # part of the code
    assert _ids(category=t("category.mobilisation")[:6].upper()) == ["b"]  # or of the label
    assert _ids(region="jawa") == ["b"] and _ids(assigned="budi") == ["b"]
    assert _ids(flagged=True) == ["d", "c"]
    assert _ids(late=True) == ["b"]  # its acknowledgement was due 2026-11-08
    assert _ids(due_before=dt.date(2026, 12, 8)) == ["a", "b"]  # closed and done owe nothing


def test_late_also_keeps_what_the_caller_says_is_late_elsewhere() -> None:
    """``late_elsewhere`` (an authority past its stage's deadline) widens ``late``, and sees the
    case id and its summary; no other filter is touched by it."""
    seen: list[str] = []

    def authority_late(cid: str, summary: Any) -> bool:
        seen.append(cid)
        return summary["st"] == "closed_substantiated"

    assert _ids(late=True, late_elsewhere=authority_late) == ["b", "c"]
    assert set(seen) >= {"a", "c", "d"}  # asked for the cases late on no deadline of ours
    assert _ids(late_elsewhere=authority_late) == ["a", "d", "b", "c"]  # only with late=True


def test_next_deadline_and_labels() -> None:
    rows = {cid: nxt for cid, _, nxt in select(CASES, Config(ack_days=7), TODAY)}
    assert rows["a"] == dt.date(2026, 12, 7) and rows["c"] is None and rows["d"] is None
    assert category_label("rally") == t("category.rally") and category_label("x") == "x"
