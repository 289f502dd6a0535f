"""``bisik-reviewer track`` (``reviewer.commands.track``) through the real CLI over a real store
with a real export imported: the escalation chain, overdue steps, signed steps, and an old
local tracking log turned into signed steps."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from reviewer.cli import main
from reviewer.escalation import chain, tracking
from reviewer.store import CaseStore

from .conftest import escalate, track


def test_track_chain_overdue_and_signed_status(imported, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    team, common, ids = imported
    assert escalate(common, ids[0], "Kemendagri", tmp_path / "d") == 0
    assert track(common, ids[0], "bawaslu", "sent", "--day", "2024-11-01", "--set-status") == 0
    capsys.readouterr()
    assert main(["track", "--overdue", "--today", "2024-11-20", *common]) == 0
    assert ids[0][:12] in capsys.readouterr().out  # 'sent' waits 7 days (stages.json)
    ack = ["--reference", "800/123/OTDA", "--day", "2024-11-05"]
    assert track(common, ids[0], "Bawaslu", "acknowledged", *ack) == 0
    assert track(common, ids[0], "bawaslu", "recommendation", "--day", "2024-11-12") == 0
    capsys.readouterr()
    assert main(["track", "--overdue", "--today", "2024-11-20", *common]) == 0
    assert ids[0][:12] not in capsys.readouterr().out  # 14 days after the recommendation
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        steps = chain.chain(store.case(ids[0]))
        case = store.load_case(ids[0])
        pending = [p["kind"] for p in store.meta["pending"]]
    assert [(s.stage, s.reference) for s in steps] == [
        ("sent", None),
        ("acknowledged", "800/123/OTDA"),
        ("recommendation", None),
    ]
    assert pending.count("track") == 3  # queued for the outbox
    states = [(r["body"].get("state"), r["body"]["authority"]) for r in case["records"]]
    assert ("escalated", "bawaslu") in states
    # the data's order and needs are enforced: nothing is signed when a rule is broken
    assert track(common, ids[0], "bawaslu", "sent") == 1
    assert track(common, ids[0], "ppk", "sanction") == 1
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        assert len(chain.chain(store.case(ids[0]))) == 3
    with pytest.raises(SystemExit):  # argparse refuses an unknown stage
        track(common, ids[0], "ppk", "dipecat")


def test_old_tracking_log_becomes_signed_steps(imported, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A laptop that kept the old local log loses none of it: converted once, on first use."""
    team, common, ids = imported
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        log = tracking.TrackingLog()
        log.record_dossier(ids[0], "Bawaslu", "ab" * 32, dt.date(2024, 10, 30))
        log.update(
            ids[0],
            sent="2024-11-01",
            reference="800/123/OTDA",
            outcome="sanctioned",
            outcome_day="2024-12-01",
        )
        tracking.save(store, log)
    assert main(["track", ids[0], *common]) == 0
    assert "800/123/OTDA" in capsys.readouterr().out
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        steps = chain.chain(store.case(ids[0]))
    assert [(s.stage, s.day.isoformat()) for s in steps] == [
        ("sent", "2024-11-01"),
        ("acknowledged", "2024-11-01"),
        ("sanction", "2024-12-01"),
    ]
    assert main(["track", ids[0], *common]) == 0  # a second run converts nothing again
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        assert len(chain.chain(store.case(ids[0]))) == 3
