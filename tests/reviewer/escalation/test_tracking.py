"""Tracking what authorities did: updates, outcomes, reminders when overdue."""

from __future__ import annotations

import datetime as dt

import pytest

from reviewer.errors import TrackingError
from reviewer.escalation.tracking import TrackingLog


def _log() -> TrackingLog:
    log = TrackingLog()
    log.record_dossier("C1", "BKN", "11" * 32, dt.date(2024, 3, 1))
    log.record_dossier("C2", "Bawaslu", "22" * 32, dt.date(2024, 3, 1))
    log.record_dossier("C3", "KPK", "33" * 32, dt.date(2024, 3, 1))
    log.record_dossier("C4", "LPSK", "44" * 32, dt.date(2024, 3, 1))
    return log


def test_overdue_reasons() -> None:
    log = _log()
    log.update("C1", sent="2024-03-02", reference="B-123/BKN/2024", deadline="2024-03-20")
    log.update("C2", sent="2024-03-02")  # no deadline given
    log.update(
        "C3",
        sent="2024-03-02",
        deadline="2024-03-20",
        outcome="sanctioned",
        outcome_day="2024-03-15",
    )
    # C4: made, never sent
    at = {r.entry.case: r.reason for r in log.overdue(dt.date(2024, 3, 25))}
    assert at == {"C1": "track.reason.deadline", "C4": "track.reason.not_sent"}
    later = {r.entry.case: r.reason for r in log.overdue(dt.date(2024, 4, 10))}
    assert later["C2"] == "track.reason.no_deadline" and "C3" not in later
    assert log.overdue(dt.date(2024, 3, 5)) == []


def test_round_trip_and_one_entry_per_case_and_authority() -> None:
    log = _log()
    log.update("C1", reference="  B-1/2024 ")
    log.record_dossier("C1", "BKN", "55" * 32, dt.date(2024, 3, 9))  # a new version
    again = TrackingLog.from_bytes(log.to_bytes())
    [entry] = again.find("C1")
    assert entry.reference == "B-1/2024" and entry.dossier_sha256 == "55" * 32
    assert entry.created == "2024-03-01"
    assert again.escalated_cases() == {"C1", "C2", "C3", "C4"}


def test_bad_values() -> None:
    log = _log()
    with pytest.raises(TrackingError):
        log.update("C1", outcome="dipecat")
    with pytest.raises(TrackingError):
        log.update("C1", deadline="31-02-2024")
    with pytest.raises(TrackingError):
        log.update("nope", sent="2024-01-01")
    with pytest.raises(TrackingError):
        TrackingLog.from_bytes(b"{not json")
    log.record_dossier("C1", "KPK", "66" * 32, dt.date(2024, 3, 2))
    with pytest.raises(TrackingError):  # two authorities: say which
        log.update("C1", sent="2024-03-03")
    assert log.update("C1", "KPK", outcome="no_response").outcome == "no_response"
    assert log.sanctioned_cases() == set()
