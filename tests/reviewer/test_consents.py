"""The consent in force (SPEC §14): the report's, overridden by later changes, for every caller."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from reviewer.case import Case, new_record
from reviewer.deadlines import due_list
from reviewer.errors import ConsentError
from reviewer.escalation import authorities, dossier, redact
from reviewer.home import Config
from tests.reviewer.helpers import LETTERHEAD

PHOTO = "aa" * 32
SENDER = Config(**LETTERHEAD).letterhead()


def _change(
    n: int,
    at: str,
    authorities: dict[str, bool],
    evidence: dict[str, bool] | None = None,
    proof: str = "proven",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "sha256": f"{n:02x}" * 32,
        "type": "consent",
        "item": "consent",
        "readable": True,
        "at": at,
        "channel": "server",
        "fields": {},
        "evidence": [],
        "proof": proof,
        "consent": {"authorities": authorities, "evidence": evidence or {}},
        **extra,
    }


def _escalated(at: str, authority: str) -> dict[str, Any]:
    return {
        "kind": "status",
        "by": "ani",
        "raw": "r",
        "body": {"id": "e" * 32, "at": at, "state": "escalated", "authority": authority},
    }


def _record(
    messages: list[dict[str, Any]], records: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    rec = new_record("c0ffee00c0ffee00", "2026-11-20")
    rec.update(readable=True, messages=messages, records=records or [])
    rec["report"] = {
        "submitted_at": "2026-11-20T08:15:00+00:00",
        "channel": "server",
        "consent": {"authorities": ["bkn"]},
        "fields": {"category": "mobilisation", "province": "Lampung", "description": "Apel siaga"},
    }
    rec["evidence"] = [
        {
            "envelope_sha256": PHOTO,
            "envelope_mac": "bb" * 32,
            "name": "a.jpg",
            "media_type": "image/jpeg",
            "size": 7,
            "share": True,
        }
    ]
    rec["evidence_check"] = [{**rec["evidence"][0], "state": "ok"}]
    return rec


def test_later_changes_override_the_report_by_time_then_arrival() -> None:
    case = Case.from_store(
        _record(
            [
                _change(2, "2026-12-03T10:00:00+00:00", {"bawaslu": False}),
                _change(
                    1, "2026-12-01T10:00:00+00:00", {"bawaslu": True, "bkn": False}, {PHOTO: False}
                ),
            ]
        )
    )
    assert case.consent_authorities == frozenset()  # bkn withdrawn, bawaslu granted then withdrawn
    assert case.consent_day == dt.date(2026, 12, 3)
    assert [e.share for e in case.evidence] == [False]
    assert [e.share for e in case.evidence_check] == [False]
    plain = Case.from_store(_record([]))
    assert plain.consent_authorities == frozenset({"bkn"})
    assert plain.consent_day == plain.received_day


def test_forged_unproven_and_malformed_changes_cannot_widen_consent() -> None:
    case = Case.from_store(
        _record(
            [
                _change(1, "2026-12-01T10:00:00+00:00", {"lpsk": True}, proof="forged"),
                _change(
                    2,
                    "2026-12-01T11:00:00+00:00",
                    {"bawaslu": True, "bkn": False},
                    proof="unproven",
                ),
                {
                    **_change(3, "2026-12-01T12:00:00+00:00", {}),
                    "consent": {},
                    "rejected": "a consent change must change something",
                },
                _change(4, "2026-12-01T13:00:00+00:00", {"kpk": 1}),  # type: ignore[dict-item]
            ]
        )
    )
    assert case.consent_authorities == frozenset()  # only the unproven withdrawal counted


def test_the_dossier_honours_the_latest_consent_and_names_its_day(tmp_path: Path) -> None:
    bawaslu = authorities.resolve("bawaslu")
    before = Case.from_store(_record([]))
    with pytest.raises(ConsentError):
        dossier.write(
            before,
            bawaslu,
            redact.Decisions(accept_all=True),
            tmp_path / "a",
            sender=SENDER,
            place="Lampung",
            today=dt.date(2026, 12, 5),
        )
    after = Case.from_store(_record([_change(1, "2026-12-02T10:00:00+00:00", {"bawaslu": True})]))
    result = dossier.write(
        after,
        bawaslu,
        redact.Decisions(accept_all=True),
        tmp_path / "b",
        sender=SENDER,
        place="Lampung",
        today=dt.date(2026, 12, 5),
    )
    import json

    made = json.loads(result.json_path.read_text("utf-8"))
    assert made["consent"] == {"authority": "bawaslu", "since": "2026-12-02"}
    assert any("2 Desember 2026" in note for note in made["notes"])


def test_withdrawal_after_escalation_is_flagged_and_due() -> None:
    rec = _record(
        [_change(1, "2026-12-04T10:00:00+00:00", {"bkn": False})],
        [_escalated("2026-12-01T09:00:00+00:00", "BKN")],
    )
    case = Case.from_store(rec)
    (w,) = case.consent_withdrawals
    assert (w.authority, w.event.day, w.escalated) == (
        "bkn",
        dt.date(2026, 12, 4),
        dt.date(2026, 12, 1),
    )
    summary = case.summary()
    assert "consent_withdrawn_after_dossier" in summary["fl"] and summary["wd"] == "2026-12-04"
    (due,) = due_list({"c": summary}, Config(ack_days=7), dt.date(2026, 12, 5))
    assert (due.kind, due.deadline) == ("withdrawn", dt.date(2026, 12, 11))
    # a withdrawal for a body never escalated to is no withdrawal after sending
    other = Case.from_store(
        _record(
            [_change(1, "2026-12-04T10:00:00+00:00", {"bawaslu": False})],
            [_escalated("2026-12-01T09:00:00+00:00", "BKN")],
        )
    )
    assert other.consent_withdrawals == () and other.summary()["wd"] is None


def _step(day: str, authority: str, stage: str = "sent") -> dict[str, Any]:
    body = {"id": day.replace("-", "") * 4, "at": f"{day}T09:00:00+00:00", "day": day}
    body.update(authority=authority, stage=stage, reference=None, level=None)
    return {"kind": "track", "by": "ani", "raw": "r", "body": body}


def test_sent_is_read_from_authority_codes_not_prefixes() -> None:
    """Regression: a body whose name begins with a consent code is not that body. The old
    matching took "KPKNL" (the state-asset office) for KPK, and would take a regional office
    with a code of its own for the national body; a ``sent`` step was not read at all."""
    change = _change(1, "2026-12-04T10:00:00+00:00", {"kpk": False, "ombudsman": False})
    wrong = Case.from_store(
        _record(
            [change],
            [
                _escalated("2026-12-01T09:00:00+00:00", "KPKNL Bandung"),
                _step("2026-12-01", "ombudsman_jabar"),
            ],
        )
    )
    assert wrong.consent_withdrawals == () and wrong.summary()["wda"] == []
    right = Case.from_store(
        _record(
            [change, _change(2, "2026-12-04T11:00:00+00:00", {"bkn": False})],
            [_escalated("2026-12-01T09:00:00+00:00", "kpk"), _step("2026-12-02", "ombudsman")],
        )
    )
    found = {(w.authority, w.escalated, w.via) for w in right.consent_withdrawals}
    assert found == {
        ("kpk", dt.date(2026, 12, 1), "status"),
        ("ombudsman", dt.date(2026, 12, 2), "track"),
    }  # bkn: withdrawn, but never sent there
    summary = right.summary()
    assert summary["wda"] == ["kpk", "ombudsman"]
    (due,) = due_list({"c": summary}, Config(ack_days=7), dt.date(2026, 12, 5))
    assert due.authorities == ("kpk", "ombudsman")


def test_a_free_text_escalation_is_read_exactly() -> None:
    from reviewer.consents import status_code

    assert status_code("KemenPAN-RB") == "kemenpanrb" and status_code(" BKN ") == "bkn"
    assert status_code("KPKNL Bandung") == "other"  # a body outside the list: consent "other"
    assert status_code("") is None and status_code(None) is None
    assert authorities.status_name("Ombudsman RI") == "ombudsman"  # what `status` now signs
    assert authorities.status_name(" Komnas HAM ") == "Komnas HAM"


def test_withdrawal_before_sending_is_not_after_it() -> None:
    case = Case.from_store(
        _record(
            [_change(1, "2026-11-30T10:00:00+00:00", {"bkn": False})],
            [_step("2026-12-01", "bkn")],
        )
    )
    assert case.consent_withdrawals == ()


def test_dossier_refusal_names_the_withdrawal_after_sending(tmp_path: Path) -> None:
    case = Case.from_store(
        _record(
            [_change(1, "2026-12-04T10:00:00+00:00", {"bkn": False})],
            [_step("2026-12-01", "bkn")],
        )
    )
    with pytest.raises(ConsentError) as refused:
        dossier.require_consent(case, authorities.get("bkn"))
    assert refused.value.key == "err.consent_withdrawn_after_sending"
    never = Case.from_store(_record([]))
    with pytest.raises(ConsentError) as plain:
        dossier.require_consent(never, authorities.get("bawaslu"))
    assert plain.value.key == "err.consent"


def _seq(msg: dict[str, Any], seq: int) -> dict[str, Any]:
    msg["consent"]["seq"] = seq
    return msg


def test_sequence_orders_changes_not_the_reporters_clock() -> None:
    """Regression: changes were ordered by the reporter's own date. A browser whose clock is
    days behind wrote the later withdrawal with an earlier date, and the grant won."""
    grant = _seq(_change(1, "2026-12-05T10:00:00+00:00", {"bawaslu": True}), 1)
    withdraw = _seq(_change(2, "2026-12-01T10:00:00+00:00", {"bawaslu": False}), 2)
    for arrived in ([grant, withdraw], [withdraw, grant]):  # either arrival order
        case = Case.from_store(_record([dict(m, consent=dict(m["consent"])) for m in arrived]))
        assert "bawaslu" not in case.consent_authorities
        assert [e.change.seq for e in case.consent_events] == [1, 2]
    legacy = _change(3, "2026-12-09T10:00:00+00:00", {"bawaslu": True})  # before seq existed
    case = Case.from_store(_record([grant, withdraw, legacy]))
    assert "bawaslu" not in case.consent_authorities  # legacy changes come first


def test_a_replayed_or_conflicting_seq_is_refused_on_import() -> None:
    from reviewer.consents import refuse_taken_seqs

    first = _seq(_change(1, "2026-12-04T10:00:00+00:00", {"bkn": False}), 1)
    again = _seq(_change(2, "2026-12-04T11:00:00+00:00", {"bkn": True}), 1)
    forged = _seq(_change(3, "2026-12-04T09:00:00+00:00", {"bkn": True}, proof="forged"), 2)
    later = _seq(_change(4, "2026-12-04T12:00:00+00:00", {"lpsk": True}), 2)
    messages = [first, again, forged, later]
    assert refuse_taken_seqs(messages)
    assert "rejected" in again and "consent" not in again  # named, and it changes nothing
    assert "rejected" not in later  # a forged change cannot take a genuine one's place
    assert not refuse_taken_seqs(messages)  # deciding twice changes nothing
    case = Case.from_store(_record(messages))
    assert "bkn" not in case.consent_authorities and "lpsk" in case.consent_authorities
    assert [e.change.seq for e in case.consent_events] == [1, 2]
