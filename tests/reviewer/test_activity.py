"""Late activity: an item the reporter sends after closure flags the case and re-arms `due`."""

from __future__ import annotations

import datetime as dt

from reviewer import activity
from reviewer.case import Case, Message, Record
from reviewer.caselist import CaseFilter, select
from reviewer.deadlines import due_list, next_deadline
from reviewer.home import Config


def _status(state: str, at: str, n: int) -> Record:
    return Record("status", f"{n:032x}", at, "ani", state=state, when=dt.datetime.fromisoformat(at))


def _reply(at: str, n: int) -> Record:
    return Record("reply", f"{n:032x}", at, "ani", when=dt.datetime.fromisoformat(at))


def _item(type_: str, at: str, proof: str = "proven", after: str | None = None) -> Message:
    return Message(
        "a" * 64,
        type_,
        True,
        at=at,
        proof=proof,
        after_status=after,
        fields={"kind": type_, "text": "dimutasi"},
    )


CLOSED = _status("closed_substantiated", "2026-03-01T10:00:00+00:00", 2)
OPENED = _status("in_review", "2026-01-05T10:00:00+00:00", 1)


def _case(records: tuple[Record, ...], messages: tuple[Message, ...]) -> Case:
    return Case("c1", dt.date(2026, 1, 2), records=records, messages=messages)


def test_retaliation_after_closure_flags_and_rearms_the_acknowledgement() -> None:
    late = _item("retaliation", "2026-06-10T08:00:00+07:00")
    case = _case((OPENED, CLOSED), (_item("message", "2026-02-01T09:00:00+00:00"), late))
    assert case.late_messages() == [late]
    summary = case.summary()
    assert "late_activity" in summary["fl"] and summary["late"] == "2026-06-10"
    cfg = Config(ack_days=7)
    (due,) = due_list({"c1": summary}, cfg, dt.date(2026, 6, 20))
    assert (due.kind, due.deadline, due.late) == ("late_ack", dt.date(2026, 6, 17), True)
    assert next_deadline(summary, cfg) == dt.date(2026, 6, 17)
    (early,) = due_list({"c1": summary}, cfg, dt.date(2026, 6, 10))  # listed at once, not "soon"
    assert early.days_left == 7
    flagged = select({"c1": summary}, cfg, dt.date(2026, 6, 20), CaseFilter(flagged=True))
    assert [cid for cid, _s, _n in flagged] == ["c1"]


def test_a_reply_answers_it_and_a_new_status_clears_the_flag() -> None:
    late = _item("consent", "2026-06-10T01:00:00+00:00")
    answered = _case((OPENED, CLOSED, _reply("2026-06-11T09:00:00+00:00", 3)), (late,))
    assert answered.summary()["late"] is None  # acknowledged: nothing due
    assert "late_activity" in answered.summary()["fl"]  # but still closed with a new item
    reopened = _case(
        (OPENED, CLOSED, _status("in_review", "2026-06-11T09:00:00+00:00", 3)), (late,)
    )
    assert reopened.late_messages() == [] and reopened.summary()["late"] is None
    assert "late_activity" not in reopened.summary()["fl"]


def test_an_item_in_the_closing_second_is_late_and_unanswered() -> None:
    """Records and items carry whole seconds: an item in the very second of the closing status
    cannot have been seen by the reviewer who closed, so it counts, and it is not answered."""
    same = _item("retaliation", "2026-03-01T10:00:00+00:00")
    case = _case((OPENED, CLOSED), (same,))
    assert case.late_messages() == [same] and case.summary()["late"] == "2026-03-01"


def test_an_item_that_arrived_after_closure_is_late_whatever_the_senders_clock() -> None:
    """A phone whose clock is months behind dates its retaliation report before the closure;
    it reached the laptop after the closing status, so it is late all the same."""
    behind = _item("retaliation", "2026-01-10T08:00:00+00:00", after=CLOSED.id)
    before = _item("message", "2026-01-10T08:00:00+00:00", after=OPENED.id)
    case = _case((OPENED, CLOSED), (before, behind))
    assert case.late_messages() == [behind]
    assert case.summary()["late"] == "2026-03-01"  # counted from the closure


def test_items_before_closure_forged_or_undated_do_not_count() -> None:
    items = (
        _item("message", "2026-02-28T23:00:00+00:00"),
        _item("retaliation", "2026-07-01T00:00:00+00:00", proof="forged"),
        _item("message", "not a time"),
        _item("reply", "2026-07-01T00:00:00+00:00"),
    )
    case = _case((OPENED, CLOSED), items)
    assert case.late_messages() == [] and case.summary()["late"] is None
    assert due_list({"c1": case.summary()}, Config(), dt.date(2026, 8, 1), soon_only=False) == []


def test_an_open_case_has_no_late_activity() -> None:
    case = _case((OPENED,), (_item("retaliation", "2026-06-10T08:00:00+00:00"),))
    assert activity.late_items(case.records, case.messages) == []
    assert "late" in case.summary() and case.summary()["late"] is None


def test_import_notes_that_an_item_arrived_after_the_closing_status(team, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Through a real import: the closing status comes in one export, a retaliation report
    dated (by the sender's clock) months earlier in the next; it is late all the same."""
    import dataclasses

    from crypto import document, envelope
    from reviewer.store import CaseStore
    from tests.reviewer.helpers import do_import, make_report, status_by, write_export

    d = team.directory()
    rep = make_report(d, ["ayu", "budi"])
    closing = status_by(
        team.colleague, rep.case_id, "closed_substantiated", at="2026-11-25T09:00:00+00:00"
    )
    seq = write_export(
        tmp_path / "e1",
        team.server_key,
        [rep],
        records_by_case={rep.case_id: [("status", closing)]},
    )
    do_import(team.lead, tmp_path / "e1")
    doc = document.Document(
        "retaliation",
        "2026-06-01T08:00:00+00:00",
        "browser",
        {
            "kind": "retaliation",
            "text": "dimutasi",
            "retaliation_kind": "transfer",
            "retaliation_month": "2026-05",
        },
    )
    env = envelope.seal(doc.to_bytes(), [r.keys.encryption for r in d.active_reviewers()])
    rep2 = dataclasses.replace(rep, evidence={})  # the case again, with its new item
    write_export(
        tmp_path / "e2",
        team.server_key,
        [rep2],
        seq_from=seq,
        messages_by_case={rep.case_id: [("retaliation", env)]},
    )
    do_import(team.lead, tmp_path / "e2")
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        case = store.case(rep.case_id)
        assert [m.type for m in case.late_messages()] == ["retaliation"]
        assert store.cases[rep.case_id]["late"] == "2026-11-25"
