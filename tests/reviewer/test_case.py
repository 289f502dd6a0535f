"""The one typed case model (``reviewer.case``): parsed once from the stored record, never
failing on what a reporter wrote, and the same truth for ``list``, ``show`` and the tools."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from crypto.errors import FormatError
from reviewer import vocabulary as vocab
from reviewer.case import (
    DAMAGED,
    NOT_FOR_ME,
    Case,
    add_record,
    new_record,
    parse_day,
    parse_incident,
    summarise,
)
from reviewer.store import CaseStore

D = dt.date


def _status(
    n: int, state: str, at: str, by: str = "ayu", authority: str | None = None
) -> dict[str, Any]:
    return {
        "kind": "status",
        "by": by,
        "raw": f"raw{n}",
        "body": {"id": f"{n:016x}", "at": at, "state": state, "authority": authority},
    }


def _record() -> dict[str, Any]:
    rec = new_record("c0ffee00c0ffee00", "2026-11-20")
    rec.update(
        readable=True,
        recipients=["ayu", "budi"],
        severity="high",
        assigned="budi",
        flags=["evidence_missing"],
        category=None,
    )
    rec["report"] = {
        "submitted_at": "2026-11-20T08:15:00+00:00",
        "channel": "browser",
        "consent": {"authorities": ["bkn", "other"]},
        "fields": {
            "category": "mobilisation",
            "election": "pilkada",
            "election_year": "2024",
            "province": "Jawa Tengah",
            "incident_month": "2024-11",
            "description": "Apel\nbesar",
            "warna": "merah",
        },
    }
    rec["evidence"] = [
        {
            "envelope_sha256": "aa" * 32,
            "envelope_mac": "bb" * 32,
            "name": "a.jpg",
            "media_type": "image/jpeg",
            "size": 7,
            "share": True,
        }
    ]
    rec["evidence_check"] = [
        {**rec["evidence"][0], "state": "ok"},
        {"envelope_sha256": "cc" * 32, "state": "unlisted"},
    ]
    rec["messages"] = [
        {
            "sha256": "dd" * 32,
            "type": "retaliation",
            "readable": True,
            "channel": "browser",
            "at": "2026-12-01T10:00:00+00:00",
            "fields": {
                "kind": "retaliation",
                "text": "dimutasi",
                "retaliation_kind": "transfer",
                "retaliation_month": "2026-11",
            },
            "evidence": [
                {
                    "envelope_sha256": "ee" * 32,
                    "envelope_mac": "ff" * 32,
                    "name": "b.png",
                    "media_type": "image/png",
                    "size": 3,
                    "share": False,
                }
            ],
        },
        {"sha256": "11" * 32, "type": "message", "readable": False, "unreadable": NOT_FOR_ME},
        {
            "sha256": "22" * 32,
            "type": "reply",
            "readable": True,
            "at": "2026-11-23T00:00:00+00:00",
            "fields": {"message": "Terima kasih"},
        },
    ]
    rec["records"] = [
        _status(2, "escalated", "2026-11-25T09:00:00+00:00", authority="BKN"),
        _status(1, "in_review", "2026-11-21T09:00:00+00:00"),
        {
            "kind": "reply",
            "by": "budi",
            "raw": "r",
            "body": {
                "id": "3" * 16,
                "at": "2026-11-23T09:00:00+00:00",
                "envelope_sha256": "22" * 32,
            },
        },
    ]
    rec["notes"] = [{"at": "2026-11-22T00:00:00+00:00", "by": "ayu", "text": "cek", "id": "1"}]
    return rec


def test_a_stored_record_parses_into_one_typed_case() -> None:
    case = Case.from_store(_record())
    assert (case.case_id, case.received_day, case.category, case.region) == (
        "c0ffee00c0ffee00",
        D(2026, 11, 20),
        "mobilisation",
        "Jawa Tengah",
    )
    assert case.election == "pilkada 2024" and case.incident_date == D(2024, 11, 15)
    assert case.incident_label == "2024-11"
    assert case.status == ("escalated", "BKN")  # newest by time, not by position
    assert [r.state for r in case.records if r.kind == "status"] == ["in_review", "escalated"]
    assert case.first_dates() == (D(2026, 11, 21), D(2026, 11, 23))  # the reply is feedback
    assert case.ack_day() == D(2026, 11, 21)
    assert case.states() == {"in_review", "escalated"}
    assert case.consent_authorities == frozenset({"bkn", "other"})
    assert [e.envelope_sha256[:2] for e in case.evidence] == ["aa", "ee"]  # report, follow-up
    assert [e.check for e in case.evidence_check] == ["ok", "unlisted"]
    assert case.retaliations == (
        {
            "kind": "retaliation",
            "text": "dimutasi",
            "retaliation_kind": "transfer",
            "retaliation_month": "2026-11",
        },
    )
    assert case.messages[1].unreadable == NOT_FOR_ME and not case.messages[1].readable
    assert case.reply_signer(case.messages[2]) == "budi"
    assert [n.text for n in case.notes] == ["cek"]
    assert (case.severity, case.assigned, case.flags) == ("high", "budi", ("evidence_missing",))


def test_fields_the_form_defines_are_apart_from_the_senders_inventions() -> None:
    case = Case.from_store(_record())
    names = [n for n, _ in case.report_fields()]
    assert names == [n for n in vocab.REPORT_FIELDS if n in names]  # the form's order
    assert "warna" not in names and case.other_fields() == [("warna", "merah")]


@pytest.mark.parametrize(
    ("fields", "category", "region", "incident"),
    [
        ({"category": "kategori palsu", "province": "Negeri Antah"}, "other", "", None),
        (
            {"category": "SOCIAL_MEDIA ", "province": "Bali", "incident_month": "2024-13"},
            "social_media",
            "Bali",
            None,
        ),
        ({"incident_month": "2024"}, "other", "", None),
        ({"incident_month": "kemarin sore"}, "other", "", None),
        ({"incident_month": ["2024-02"], "province": ["Aceh"]}, "other", "Aceh", D(2024, 2, 15)),
    ],
)
def test_what_a_reporter_wrote_never_breaks_the_parse(
    fields: dict[str, Any], category: str, region: str, incident: D | None
) -> None:
    rec = {**_record(), "report": {"fields": fields, "consent": "nonsense"}}
    case = Case.from_store(rec)
    assert (case.category, case.region, case.incident_date) == (category, region, incident)
    assert case.consent_authorities == frozenset()


def test_triage_category_overrides_the_reporters() -> None:
    assert Case.from_store({**_record(), "category": "retaliation"}).category == "retaliation"
    assert Case.from_store({**_record(), "role": "asn"}).role == "asn"
    assert Case.from_store(_record()).role is None


def test_unreadable_cases_say_why() -> None:
    base = new_record("ab" * 8, "2026-11-20")
    assert Case.from_store({**base, "unreadable": NOT_FOR_ME}).unreadable == NOT_FOR_ME
    assert Case.from_store({**base, "flags": ["not_for_me"]}).unreadable == NOT_FOR_ME  # older
    assert Case.from_store({**base, "flags": ["undecryptable"]}).unreadable == DAMAGED
    summary = summarise({**base, "unreadable": DAMAGED, "flags": ["undecryptable"]})
    assert summary["rd"] is False and summary["cat"] is None


@pytest.mark.parametrize(
    "broken",
    [
        {"id": "x"},
        {"received": "2026-01-01", "readable": True},
        {"id": "x", "received": "gestern", "readable": True},
    ],
)
def test_a_broken_store_record_is_a_format_error(broken: dict[str, Any]) -> None:
    with pytest.raises(FormatError):
        Case.from_store(broken)


def test_summary_is_what_list_and_due_read() -> None:
    s = summarise(_record())
    assert (s["st"], s["auth"], s["rcv"], s["cat"], s["reg"]) == (
        "escalated",
        "BKN",
        "2026-11-20",
        "mobilisation",
        "Jawa Tengah",
    )
    assert (s["ack"], s["fb"], s["nm"], s["nn"], s["fl"]) == (
        "2026-11-21",
        "2026-11-23",
        3,
        1,
        ["evidence_missing"],
    )


def test_with_evidence_paths_and_add_record(tmp_path: Path) -> None:
    case = Case.from_store(_record())
    opened = case.with_evidence_paths({"aa" * 32: tmp_path / "001"})
    assert [e.path for e in opened.evidence] == [tmp_path / "001", None]
    assert case.evidence[0].path is None  # frozen: the original is unchanged
    rec = _record()
    body = {"id": "9" * 16, "at": "2026-11-30T00:00:00+00:00", "state": "need_info"}
    assert add_record(rec, "status", "raw", body, "ayu") is True
    assert add_record(rec, "status", "raw", body, "ayu") is False  # same random id: once
    assert Case.from_store(rec).status == ("need_info", None)


def test_dates() -> None:
    assert parse_day("2026-11-20T23:30:00-02:00") == D(2026, 11, 21)  # its UTC day
    assert parse_day("") is None
    with pytest.raises(ValueError):
        parse_day("20-11-2026")
    assert parse_incident("2024-11") == D(2024, 11, 15)
    assert parse_incident("2024-02-30") is None and parse_incident(None) is None


def test_the_store_parses_each_version_once(tmp_path: Path) -> None:
    key = bytes(32)
    rec = _record()
    with CaseStore.open(tmp_path / "store", key) as store:
        with store.transaction() as tx:
            tx.put_case(rec["id"], rec, summarise(rec))
        first = store.case(rec["id"][:6])
        assert store.case(rec["id"]) is first  # parsed once
        rec["severity"] = "low"
        with store.transaction() as tx:
            tx.put_case(rec["id"], rec, summarise(rec))
        assert store.case(rec["id"]).severity == "low" and first.severity == "high"
