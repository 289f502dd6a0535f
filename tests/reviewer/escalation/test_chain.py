"""The escalation chain's data (stages.json) and its rules: every stage reachable from the
start, every period sourced and flagged for a lawyer, order and needs enforced, overdue from
the newest step only."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources

from reviewer.case import Case, Record
from reviewer.escalation import chain, stages


def test_every_stage_is_reachable_sourced_and_flagged() -> None:
    data = stages.load()
    seen, todo = set(data.start), list(data.start)
    while todo:
        for nxt in data.stages[todo.pop()].next:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(data.stages)
    raw = json.loads(resources.files("reviewer.escalation").joinpath("stages.json").read_text())
    for code, entry in raw["stages"].items():
        assert entry["source"].strip() and entry["verify"] is True, code
        assert entry["verified_by"] is None, code  # nobody has checked it yet: say so
    assert {
        "sent",
        "recommendation",
        "forwarded",
        "sanction",
        "no_response",
        "ppk_noncompliance",
        "escalated",
        "acknowledged",
    } <= set(data.stages)


def _case(*steps: tuple[str, str]) -> Case:
    base = Case.from_store({"id": "c1", "received": "2026-10-01", "readable": True})
    records = tuple(
        Record(
            "track",
            f"{i:032x}",
            f"{day}T10:00:00+00:00",
            "ani",
            stage=stage,
            step_day=day,
            authority="bawaslu",
            when=dt.datetime.fromisoformat(f"{day}T10:00:00+00:00"),
        )
        for i, (stage, day) in enumerate(steps)
    )
    return Case(**{**base.__dict__, "records": records})


def test_overdue_looks_at_the_newest_step_only() -> None:
    today = dt.date(2026, 11, 30)
    late = chain.overdue(_case(("sent", "2026-11-01")), today)
    assert late is not None and late.deadline == dt.date(2026, 11, 8) and not late.legal
    assert (
        chain.overdue(_case(("sent", "2026-11-01"), ("acknowledged", "2026-11-25")), today) is None
    )
    assert chain.overdue(_case(("sent", "2026-11-01"), ("sanction", "2026-11-02")), today) is None
    summary = _case(("sent", "2026-11-01"), ("recommendation", "2026-11-10")).summary()
    assert summary["trk"] == ["recommendation", "2026-11-10"]
    assert chain.overdue_from_summary("c1", summary, today) is not None  # 14 days passed
    late = chain.overdue_cases({"c2": {"trk": ["sanction", "2026-11-01"]}, "c1": summary}, today)
    assert [x.case_id for x in late] == ["c1"]  # a sanction has no deadline


def test_allowed_after() -> None:
    assert stages.allowed_after(None) == ("sent",)
    assert "ppk_noncompliance" in stages.allowed_after("recommendation")
    assert "sent" not in stages.allowed_after("acknowledged")
    assert set(stages.allowed_after("a_stage_of_a_newer_laptop")) == set(stages.load().stages)
