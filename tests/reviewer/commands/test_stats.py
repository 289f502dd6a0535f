"""``bisik-reviewer stats`` (``reviewer.commands.stats``) through the real CLI over a real store
with a real export imported; an impossible month stops neither statistics nor escalation."""

from __future__ import annotations

from pathlib import Path

from crypto import document as cdoc
from crypto import envelope
from reviewer.cli import main

from ..helpers import Org, lead_args, write_export
from .conftest import (
    report_with_evidence,
)


def test_stats_command(imported, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, common, ids = imported
    out = tmp_path / "s" / "report.html"
    assert main(["stats", "--out", str(out), *common]) == 1  # nobody acknowledged any yet
    for case_id in ids:  # statistics count verified-looking cases only
        assert main(["status", case_id, "in_review", *common]) == 0
    assert main(["stats", "--out", str(out), *common]) == 0
    html = out.read_text("utf-8")
    assert "<5" in html.replace("&lt;", "<")  # the lone mobilisation case is hidden
    assert len(list(out.parent.glob("report-*.svg"))) == 6
    assert main(["stats", "--out", str(out), "--k", "2", *common]) == 1


def test_impossible_month_does_not_stop_stats_or_escalation(team: Org, tmp_path: Path) -> None:
    """Issue 8: one report with an impossible month stopped `stats` for everyone, and a
    retaliation follow-up with one raised an unhandled error. Through the real CLI."""
    reports = [report_with_evidence(team, i, "social_media", "2024-10", ["bkn"]) for i in range(6)]
    reports.append(report_with_evidence(team, 9, "retaliation", "2024-13", ["bkn"]))
    keys = [r.keys.encryption for r in team.directory().active_reviewers()]
    follow_up = cdoc.Document(
        "retaliation",
        "2024-11-02T10:00:00+00:00",
        "browser",
        {
            "kind": "retaliation",
            "text": "Saya dimutasi.",
            "retaliation_kind": "transfer",
            "retaliation_month": "2025-00",
        },
    )
    bundle = tmp_path / "export.bisik"
    write_export(
        bundle,
        team.server_key,
        reports,
        messages_by_case={
            reports[-1].case_id: [("retaliation", envelope.seal(follow_up.to_bytes(), keys))]
        },
    )
    common = lead_args(team, tmp_path)
    assert main(["import", str(bundle), *common]) == 0
    for rep in reports:
        assert main(["status", rep.case_id, "in_review", *common]) == 0
    assert main(["stats", "--out", str(tmp_path / "s" / "r.html"), *common]) == 0
    assert main(["show", reports[-1].case_id, *common]) == 0
    assert (
        main(
            [
                "escalate",
                reports[-1].case_id,
                "--to",
                "bkn",
                "--out",
                str(tmp_path / "d"),
                "--accept-all-redactions",
                *common,
            ]
        )
        == 0
    )
