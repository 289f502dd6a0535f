"""Statistics: small cells suppressed (also against subtraction), phases derived from the
incident date and the calendar, charts written as separate SVG files without the hidden counts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from reviewer import stats
from reviewer.case import Case, StatusEvent
from reviewer.errors import CalendarError
from reviewer.escalation import phases
from reviewer.escalation.statistics import CalendarPhases
from reviewer.escalation.tracking import TrackingLog

D = dt.date
OCT_1 = D(2024, 10, 1)


def case(
    i: int,
    category: str = "social_media",
    region: str = "Lampung",
    incident: D | None = OCT_1,
    election: str = "Pilkada 2024",
    states: tuple[tuple[str, D], ...] = (),
) -> Case:
    return Case(
        f"C{i}",
        D(2024, 10, 5),
        category,
        region,
        incident,
        election,
        status_history=tuple(StatusEvent(s, d) for s, d in states),
    )


CAL = CalendarPhases(phases.load())
SEEN = (("in_review", D(2024, 10, 6)),)  # acknowledged the day after receipt


@pytest.mark.parametrize(
    ("day", "kind", "category", "expected"),
    [
        (D(2023, 1, 10), "pemilu", "", "pre_campaign"),
        (D(2023, 11, 28), "pemilu", "", "campaign"),  # first day of the Pemilu campaign
        (D(2024, 2, 10), "pemilu", "", "campaign"),  # last day
        (D(2024, 2, 12), "pemilu", "", "voting"),  # quiet period
        (D(2024, 2, 14), "pemilu", "", "voting"),  # voting day
        (D(2024, 6, 1), "pemilu", "", "post_election"),
        (D(2024, 9, 24), "pilkada", "", "pre_campaign"),
        (D(2024, 9, 25), "pilkada", "", "campaign"),
        (D(2024, 11, 27), "pilkada", "", "voting"),
        (D(2025, 3, 1), "pilkada", "", "post_election"),  # after the Feb 2025 inaugurations
        (D(2021, 1, 1), None, "", "latent"),
        (D(2028, 1, 1), None, "", "latent"),
        # September 2025: transfers are legal again after Pilkada 2024, and retaliation starts.
        (D(2025, 9, 15), "pilkada", "retaliation", "post_election"),
        (D(2025, 9, 15), None, "retaliation", "post_election"),
        # Overlap: June 2024 is after Pemilu and before the Pilkada campaign.
        (D(2024, 6, 1), None, "mobilisation", "pre_campaign"),
        (D(2024, 6, 1), None, "retaliation", "post_election"),
    ],
)
def test_phase_derivation(day: D, kind: str | None, category: str, expected: str) -> None:
    elections = phases.load()
    assert phases.derive(day, elections, kind=kind, category=category)[0] == expected


def test_regional_calendar_overrides_the_general_one(tmp_path: Path) -> None:
    general = json.loads((Path(phases.__file__).parent / "calendars.json").read_text())
    revote = {
        **general["elections"][1],
        "name": "Pilkada 2024 (PSU Papua)",
        "region": "Papua",
        "overrides": "Pilkada 2024",
        "campaign_start": "2025-06-01",
        "campaign_end": "2025-07-31",
        "voting_end": "2025-08-20",
        "post_election_end": "2027-10-01",
    }
    path = tmp_path / "cal.json"
    path.write_text(json.dumps({"elections": [*general["elections"], revote]}))
    elections = phases.load(path)
    day = D(2025, 7, 1)
    assert phases.derive(day, elections, kind="pilkada")[0] == "post_election"
    assert phases.derive(day, elections, kind="pilkada", region="Papua") == (
        "campaign",
        "Pilkada 2024 (PSU Papua)",
    )
    assert phases.derive(day, elections, kind="pilkada", region="Aceh")[0] == "post_election"
    calendar = CalendarPhases(elections)  # what `stats --calendar FILE` draws against
    assert calendar.phase(day, "pilkada 2024", "rally", "Papua") == "campaign"
    assert calendar.phase(day, "pilkada 2024", "rally", "Aceh") == "post_election"


def test_phase_without_date_is_unknown() -> None:
    assert phases.derive(None, phases.load()) == ("unknown", None)


def test_custom_calendar(tmp_path: Path) -> None:
    path = tmp_path / "cal.json"
    path.write_text(
        json.dumps(
            {
                "elections": [
                    {
                        "name": "Pilkada Ulang X",
                        "kind": "pilkada",
                        "pre_campaign_start": "2025-01-01",
                        "campaign_start": "2025-03-01",
                        "campaign_end": "2025-03-31",
                        "voting_end": "2025-04-10",
                        "post_election_end": "2025-12-31",
                    }
                ]
            }
        )
    )
    [e] = phases.load(path)
    assert e.phase(D(2025, 3, 15)) == "campaign"
    path.write_text(
        json.dumps(
            {
                "elections": [
                    {
                        "name": "bad",
                        "kind": "pemilu",
                        "pre_campaign_start": "2025-05-01",
                        "campaign_start": "2025-03-01",
                        "campaign_end": "2025-03-31",
                        "voting_end": "2025-04-10",
                        "post_election_end": "2025-12-31",
                    }
                ]
            }
        )
    )
    with pytest.raises(CalendarError):
        phases.load(path)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"a": 10, "b": 3, "c": 0, "d": 7}, {"a": "10", "b": "<5", "c": "0", "d": "≥5"}),
        ({"a": 5, "b": 6}, {"a": "5", "b": "6"}),
        ({"a": 1, "b": 4, "c": 20}, {"a": "<5", "b": "<5", "c": "≥5"}),
        ({"a": 2, "b": 2}, {"a": "<5", "b": "<5"}),
    ],
)
def test_suppression(counts: dict[str, int], expected: dict[str, str]) -> None:
    assert stats.suppress(counts) == expected


def test_suppressed_cell_cannot_be_recovered_by_subtraction() -> None:
    counts = {"a": 12, "b": 9, "c": 2}
    shown = stats.suppress(counts)
    known = sum(int(v) for v in shown.values() if v.isdigit())
    hidden = [k for k, v in shown.items() if not v.isdigit()]
    assert len(hidden) >= 2 and known < sum(counts.values()) - 2  # 2 is not pinned down


def _feasible(shown: dict[str, str], total: int, k: int) -> dict[str, set[int]]:
    """Every value each cell can take, given what is shown and the published total: what a
    reader who subtracts can learn (brute force over all assignments of the hidden cells)."""

    def options(v: str) -> range:
        if v.isdigit():
            return range(int(v), int(v) + 1)
        if v == f"<{k}":
            return range(1, k)
        if v == f"≥{k}":
            return range(k, total + 1)
        return range(total + 1)  # withheld

    keys = list(shown)
    seen: dict[str, set[int]] = {key: set() for key in keys}
    for combo in itertools.product(*(options(shown[key]) for key in keys)):
        if sum(combo) == total:
            for key, v in zip(keys, combo, strict=True):
                seen[key].add(v)
    return seen


def test_small_cell_is_never_pinned_by_subtraction() -> None:
    """Audit F5 (docs/AUDIT-reviewer.md). Bug: one complementary cell was hidden, so {1, 5, 20}
    showed "<5", "≥5", "20" with total 26: the hidden two sum to 6, hence exactly 1 and 5 — a
    single reporter singled out. Every partition of 3 cells with counts 0..9 is checked against
    a subtracting reader."""
    k = 5
    for counts in itertools.product(range(10), repeat=3):
        if sum(counts) < k:
            continue  # compute() refuses such a report
        cells = dict(zip("abc", counts, strict=True))
        feasible = _feasible(stats.suppress(cells, k), sum(counts), k)
        for key, c in cells.items():
            if 0 < c < k:
                assert len(feasible[key]) >= 2, (cells, stats.suppress(cells, k))
    assert stats.suppress({"a": 1, "b": 5, "c": 20}, k) == {"a": "<5", "b": "≥5", "c": "≥5"}


def _cases() -> list[Case]:
    out = [case(i, states=(("in_review", D(2024, 10, 6)),)) for i in range(8)]
    out += [
        case(
            10 + i,
            "mobilisation",
            "Jawa Barat",
            D(2024, 11, 27),
            states=(("in_review", D(2024, 10, 20)), ("escalated", D(2024, 10, 25))),
        )
        for i in range(6)
    ]
    out.append(
        case(
            99,
            "retaliation",
            "Papua Pegunungan",
            D(2025, 3, 3),
            states=(("in_review", D(2024, 10, 20)),),
        )
    )  # the lone one
    out.append(case(100, "retaliation", "Papua Pegunungan", D(2025, 3, 3)))  # not yet seen
    # Five mobilisation reporters later report retaliation (months after the Pilkada vote).
    for i in range(5):
        out[8 + i] = dataclasses.replace(
            out[8 + i],
            retaliations=(
                {
                    "kind": "retaliation",
                    "retaliation_kind": "transfer",
                    "retaliation_month": "2025-03",
                    "text": "dimutasi",
                },
            ),
        )
    return out


def test_report_tables_and_funnel() -> None:
    log = TrackingLog()
    for i in range(6):
        log.record_dossier(f"C{10 + i}", "BKN", "00" * 32, D(2024, 10, 25))
    log.update("C10", outcome="sanctioned")
    report = stats.compute(
        _cases(), CAL, escalated=log.escalated_cases(), sanctioned=log.sanctioned_cases()
    )
    by = {tb.name: {c.key: c.shown for c in tb.cells} for tb in report.tables}
    assert by["by_category"]["social_media"] == "8"
    assert by["by_category"]["retaliation"] == "<5"
    assert by["by_category"]["mobilisation"] == "≥5"  # complementary
    assert "Papua Pegunungan" not in by["by_region"]  # merged: not even named
    assert by["by_region"]["*"] == "<5" and by["by_region"]["Jawa Barat"] == "≥5"
    assert by["by_phase"]["campaign"] == "8" and by["by_phase"]["voting"] == "≥5"
    assert by["by_phase"]["post_election"] == "<5"
    assert by["funnel"] == {"reported": "16", "verified": "6", "escalated": "6", "sanctioned": "<5"}
    assert by["ack"]["0_1"] == "8" and by["ack"]["none"] == "<5"
    assert by["retaliation"]["post_election"] == "6"  # 1 report + 5 follow-ups
    assert sum(int(v) for v in by["retaliation"].values() if v.isdigit()) == 6
    assert report.ack_median == 1


def test_too_few_cases_refused() -> None:
    with pytest.raises(ValueError):
        stats.compute([case(i, states=SEEN) for i in range(4)], CAL)


def test_html_and_svg_files_never_show_a_hidden_count(tmp_path: Path) -> None:
    report = stats.compute(_cases(), CAL)
    out = tmp_path / "r" / "report.html"
    svgs = stats.write(report, out, today=D(2024, 12, 1))
    html = out.read_text("utf-8")
    assert len(svgs) == 6 and all(p.parent == out.parent for p in svgs)
    for p in svgs:
        assert f'src="{p.name}"' in html
        root = ElementTree.fromstring(p.read_text("utf-8"))  # noqa: S314
        assert root.tag.endswith("svg") and "script" not in p.read_text("utf-8")
    assert (
        "<svg" not in html
        and "<script" not in html
        and "http" not in html.replace("http://www.w3.org", "")
    )
    cat = (out.parent / "report-by_category.svg").read_text("utf-8")
    widths = [int(w) for w in re.findall(r'<rect [^>]*width="(\d+)"', cat)]
    assert 12 in widths  # the stub of a hidden cell, not its length
    assert "Papua Pegunungan" not in html and ">1<" not in html


def _record(i: int, fields: dict[str, str], states: tuple[str, ...] = ()) -> dict[str, object]:
    """A stored case record as the importer writes it, with signed-looking status records."""
    records = [
        {
            "kind": "status",
            "by": "ayu",
            "raw": "",
            "body": {
                "id": f"{i:04x}{n:012x}",
                "at": f"2024-10-{6 + n:02d}T09:00:00+00:00",
                "state": s,
                "authority": None,
            },
        }
        for n, s in enumerate(states)
    ]
    return {
        "id": f"C{i}",
        "received": "2024-10-05",
        "readable": True,
        "records": records,
        "report": {"submitted_at": "2024-10-05T08:00:00+00:00", "fields": fields, "consent": {}},
    }


def _fields(i: int, category: str, province: str) -> dict[str, str]:
    return {
        "category": category,
        "province": province,
        "election": "pilkada",
        "election_year": "2024",
        "incident_month": "2024-10",
        "description": f"kasus {i}",
    }


def test_fake_reports_do_not_lift_a_small_cell() -> None:
    """Issue 8: fake reports padded a small cell over the threshold (one real case in Bali plus
    four fakes showed "5", and the faker knows their four). Cells count only distinct cases a
    reviewer acknowledged and did not dismiss."""
    real = [
        Case.from_store(_record(i, _fields(i, "social_media", "Lampung"), ("in_review",)))
        for i in range(6)
    ]
    lone = Case.from_store(_record(50, _fields(50, "retaliation", "Bali"), ("in_review",)))
    unseen = [
        Case.from_store(_record(60 + i, _fields(60 + i, "retaliation", "Bali"))) for i in range(10)
    ]
    dismissed = [
        Case.from_store(
            _record(
                80 + i,
                _fields(80 + i, "retaliation", "Bali"),
                ("in_review", "closed_unsubstantiated"),
            )
        )
        for i in range(5)
    ]
    copies = [
        Case.from_store(_record(90 + i, _fields(50, "retaliation", "Bali"), ("in_review",)))
        for i in range(5)
    ]  # the lone report sent again and again, word for word
    report = stats.compute([*real, lone, *unseen, *dismissed, *copies], CAL)
    by = {tb.name: {c.key: c.shown for c in tb.cells} for tb in report.tables}
    assert report.n == 7
    assert by["by_category"]["retaliation"] == "<5" and by["by_category"]["social_media"] == "≥5"
    assert "Bali" not in by["by_region"] and by["by_region"]["*"] == "<5"
    assert by["funnel"]["reported"] == str(6 + 1 + 10 + 5)  # every distinct report, no copies


def test_free_text_is_never_a_row_label(tmp_path: Path) -> None:
    """Issue 8: the province column was the reporter's free text, published as a row label.
    Only province names of the vocabulary become labels; anything else is merged."""
    typed = "Kampung <b>Rahasia</b> RT 03"
    cases = [
        Case.from_store(_record(i, _fields(i, "social_media", typed), ("in_review",)))
        for i in range(6)
    ]
    cases += [case(10 + i, states=SEEN, region=typed) for i in range(6)]
    report = stats.compute(cases, CAL)
    out = tmp_path / "report.html"
    stats.write(report, out, today=D(2024, 12, 1))
    written = "".join(p.read_text("utf-8") for p in tmp_path.iterdir())
    assert "Rahasia" not in written and "Kampung" not in written
    assert {c.key for tb in report.tables if tb.name == "by_region" for c in tb.cells} == {"*"}


def test_impossible_months_are_unknown_not_fatal() -> None:
    """Issue 8: one report with an impossible incident month ("2024-13") raised ValueError in
    the case parse and stopped statistics for everyone; a retaliation follow-up with one raised
    an unhandled error. Both now count as an unknown phase."""
    bad = _record(
        1, {**_fields(1, "retaliation", "Lampung"), "incident_month": "2024-13"}, ("in_review",)
    )
    bad["messages"] = [
        {
            "sha256": "ab" * 32,
            "type": "retaliation",
            "readable": True,
            "at": "2024-11-01T00:00:00+00:00",
            "channel": "browser",
            "fields": {
                "kind": "retaliation",
                "text": "dimutasi",
                "retaliation_kind": "transfer",
                "retaliation_month": "2025-00",
            },
        }
    ]
    parsed = Case.from_store(bad)
    assert parsed.incident_date is None and parsed.incident_label == ""
    assert parsed.fields["incident_month"] == "2024-13"  # shown as written, used as unknown
    others = [case(10 + i, states=SEEN) for i in range(5)]
    report = stats.compute([parsed, *others], CAL)
    by = {tb.name: {c.key: c.count for c in tb.cells} for tb in report.tables}
    assert by["by_phase"]["unknown"] == 1 and by["retaliation"]["unknown"] == 2
