"""Statistics: small cells suppressed (also against subtraction), phases derived from the
incident date and the calendar, charts written as separate SVG files without the hidden counts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from reviewer import stats
from reviewer.errors import CalendarError
from reviewer.escalation import phases
from reviewer.escalation.case import CaseFacts, StatusEvent
from reviewer.escalation.tracking import TrackingLog

D = dt.date
OCT_1 = D(2024, 10, 1)


def case(i: int, category: str = "social_media", region: str = "Lampung",
         incident: D | None = OCT_1, election: str = "Pilkada 2024",
         states: tuple[tuple[str, D], ...] = ()) -> CaseFacts:  # fmt: skip
    return CaseFacts(f"C{i}", D(2024, 10, 5), category, region, incident, election,
                     status_history=tuple(StatusEvent(s, d) for s, d in states))  # fmt: skip


@pytest.mark.parametrize(("day", "kind", "category", "expected"), [
    (D(2023, 1, 10), "pemilu", "", "pre_campaign"),
    (D(2023, 11, 28), "pemilu", "", "campaign"),        # first day of the Pemilu campaign
    (D(2024, 2, 10), "pemilu", "", "campaign"),         # last day
    (D(2024, 2, 12), "pemilu", "", "voting"),           # quiet period
    (D(2024, 2, 14), "pemilu", "", "voting"),           # voting day
    (D(2024, 6, 1), "pemilu", "", "post_election"),
    (D(2024, 9, 24), "pilkada", "", "pre_campaign"),
    (D(2024, 9, 25), "pilkada", "", "campaign"),
    (D(2024, 11, 27), "pilkada", "", "voting"),
    (D(2025, 3, 1), "pilkada", "", "post_election"),    # after the Feb 2025 inaugurations
    (D(2021, 1, 1), None, "", "latent"),
    (D(2026, 1, 1), None, "", "latent"),
    # Overlap: June 2024 is after Pemilu and before the Pilkada campaign.
    (D(2024, 6, 1), None, "mobilisation", "pre_campaign"),
    (D(2024, 6, 1), None, "retaliation", "post_election"),
])  # fmt: skip
def test_phase_derivation(day: D, kind: str | None, category: str, expected: str) -> None:
    elections = phases.load()
    assert phases.derive(day, elections, kind=kind, category=category)[0] == expected


def test_phase_without_date_is_unknown() -> None:
    assert phases.derive(None, phases.load()) == ("unknown", None)


def test_custom_calendar(tmp_path: Path) -> None:
    path = tmp_path / "cal.json"
    path.write_text(json.dumps({"elections": [{
        "name": "Pilkada Ulang X", "kind": "pilkada", "pre_campaign_start": "2025-01-01",
        "campaign_start": "2025-03-01", "campaign_end": "2025-03-31", "voting_end": "2025-04-10",
        "post_election_end": "2025-12-31"}]}))  # fmt: skip
    [e] = phases.load(path)
    assert e.phase(D(2025, 3, 15)) == "campaign"
    path.write_text(json.dumps({"elections": [{"name": "bad", "kind": "pemilu",
        "pre_campaign_start": "2025-05-01", "campaign_start": "2025-03-01",
        "campaign_end": "2025-03-31", "voting_end": "2025-04-10",
        "post_election_end": "2025-12-31"}]}))  # fmt: skip
    with pytest.raises(CalendarError):
        phases.load(path)


@pytest.mark.parametrize(("counts", "expected"), [
    ({"a": 10, "b": 3, "c": 0, "d": 7}, {"a": "10", "b": "<5", "c": "0", "d": "≥5"}),
    ({"a": 5, "b": 6}, {"a": "5", "b": "6"}),
    ({"a": 1, "b": 4, "c": 20}, {"a": "<5", "b": "<5", "c": "≥5"}),
    ({"a": 2, "b": 2}, {"a": "<5", "b": "<5"}),
])  # fmt: skip
def test_suppression(counts: dict[str, int], expected: dict[str, str]) -> None:
    assert stats.suppress(counts) == expected


def test_suppressed_cell_cannot_be_recovered_by_subtraction() -> None:
    counts = {"a": 12, "b": 9, "c": 2}
    shown = stats.suppress(counts)
    known = sum(int(v) for v in shown.values() if v.isdigit())
    hidden = [k for k, v in shown.items() if not v.isdigit()]
    assert len(hidden) >= 2 and known < sum(counts.values()) - 2  # 2 is not pinned down


def _cases() -> list[CaseFacts]:
    out = [case(i, states=(("in_review", D(2024, 10, 6)),)) for i in range(8)]
    out += [case(10 + i, "mobilisation", "Jawa Barat", D(2024, 11, 27),
                 states=(("in_review", D(2024, 10, 20)), ("escalated", D(2024, 10, 25))))
            for i in range(6)]  # fmt: skip
    out.append(case(99, "retaliation", "Papua Pegunungan", D(2025, 3, 3)))  # the lone one
    # Five mobilisation reporters later report retaliation (months after the Pilkada vote).
    for i in range(5):
        out[8 + i] = dataclasses.replace(out[8 + i], retaliations=(
            {"kind": "retaliation", "retaliation_kind": "transfer", "retaliation_month": "2025-03",
             "text": "dimutasi"},))  # fmt: skip
    return out


def test_report_tables_and_funnel() -> None:
    log = TrackingLog()
    for i in range(6):
        log.record_dossier(f"C{10 + i}", "BKN", "00" * 32, D(2024, 10, 25))
    log.update("C10", outcome="sanctioned")
    report = stats.compute(_cases(), log=log)
    by = {tb.name: {c.key: c.shown for c in tb.cells} for tb in report.tables}
    assert by["by_category"]["social_media"] == "8"
    assert by["by_category"]["retaliation"] == "<5"
    assert by["by_category"]["mobilisation"] == "≥5"  # complementary
    assert "Papua Pegunungan" not in by["by_region"]  # merged: not even named
    assert by["by_region"]["*"] == "<5" and by["by_region"]["Jawa Barat"] == "≥5"
    assert by["by_phase"]["campaign"] == "8" and by["by_phase"]["voting"] == "≥5"
    assert by["by_phase"]["post_election"] == "<5"
    assert by["funnel"] == {"reported": "15", "verified": "6", "escalated": "6",
                            "sanctioned": "<5"}  # fmt: skip
    assert by["ack"]["0_1"] == "8" and by["ack"]["none"] == "<5"
    assert by["retaliation"]["post_election"] == "6"  # 1 report + 5 follow-ups
    assert sum(int(v) for v in by["retaliation"].values() if v.isdigit()) == 6
    assert report.ack_median == 1


def test_too_few_cases_refused() -> None:
    with pytest.raises(ValueError):
        stats.compute([case(i) for i in range(4)])


def test_html_and_svg_files_never_show_a_hidden_count(tmp_path: Path) -> None:
    report = stats.compute(_cases())
    out = tmp_path / "r" / "report.html"
    svgs = stats.write(report, out, today=D(2024, 12, 1))
    html = out.read_text("utf-8")
    assert len(svgs) == 6 and all(p.parent == out.parent for p in svgs)
    for p in svgs:
        assert f'src="{p.name}"' in html
        root = ElementTree.fromstring(p.read_text("utf-8"))  # noqa: S314 - our own output
        assert root.tag.endswith("svg") and "script" not in p.read_text("utf-8")
    assert "<svg" not in html and "<script" not in html and "http" not in html.replace(
        "http://www.w3.org", "")  # fmt: skip
    cat = (out.parent / "report-by_category.svg").read_text("utf-8")
    widths = [int(w) for w in re.findall(r'<rect [^>]*width="(\d+)"', cat)]
    assert 12 in widths  # the stub of a hidden cell, not its length
    assert "Papua Pegunungan" not in html and ">1<" not in html
