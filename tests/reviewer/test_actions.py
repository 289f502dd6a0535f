"""Replies, statuses, notes, triage and the outbox round trip (verified like the server does)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from crypto import document as cdoc
from crypto import envelope, receipt, records
from crypto.encoding import b64u_decode
from crypto.errors import DecryptionError
from crypto.keys import key_id, load_x25519_public
from reviewer import actions, outbox
from reviewer.cli import main
from reviewer.deadlines import add_months, due_list
from reviewer.errors import CaseNotFound, UsageError
from reviewer.home import Config
from reviewer.store import CaseStore
from vault.bundle import read_outbox
from vault.bundle.checks import envelope_recipient_ids

from .helpers import FakeReport, Org, do_import, lead_args, make_report, status_by, write_export


@pytest.fixture
def imported(team: Org, tmp_path: Path) -> tuple:
    d = team.directory()
    rep = make_report(d, ["ayu", "budi"])
    mine_only = make_report(d, ["budi"])
    path = tmp_path / "export.bisik"
    seq_to = write_export(path, team.server_key, [rep, mine_only])
    do_import(team.lead, path)
    return rep, mine_only, seq_to


def test_status_reply_outbox_round_trip(team: Org, imported: tuple, tmp_path: Path) -> None:
    rep, _, seq_to = imported
    d = team.directory()
    cfg = Config()
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        actions.set_status(store, team.lead.ident, cfg, d, rep.case_id, "in_review")
        actions.reply(store, team.lead.ident, cfg, d, rep.case_id, "Terima kasih, kami telaah.")
        actions.set_status(
            store, team.lead.ident, cfg, d, rep.case_id, "escalated", authority="BKN"
        )
        assert store.cases[rep.case_id]["st"] == "escalated"
        summary = outbox.write(store, team.lead.ident, d, tmp_path / "outbox.bisik")
    assert (summary.statuses, summary.replies, summary.ack) == (2, 1, seq_to)

    with read_outbox(tmp_path / "outbox.bisik", d, team.server_key.public_key()) as ob:
        assert ob.signer == "ayu" and ob.manifest.ack == seq_to
        items = list(ob.items())
        kinds = [i.kind for i in items]
        assert kinds == ["status", "reply", "reply_envelope", "status"]
        states = [
            records.verify(i.read_bytes(), d, "status")[0]["state"]
            for i in items
            if i.kind == "status"
        ]
        assert states == ["in_review", "escalated"]
        body, who = records.verify(items[1].read_bytes(), d, "reply")
        env = items[2].read_bytes()
    assert who.id == "ayu" and body["envelope_sha256"] == hashlib.sha256(env).hexdigest()
    # the reporter opens the reply with the key derived from the receipt ...
    doc = cdoc.parse(envelope.unseal(env, receipt.derive(rep.receipt_code).reply_key))
    assert doc.type == "reply" and doc.fields["message"] == "Terima kasih, kami telaah."
    # ... and so can a colleague
    assert envelope.unseal(env, team.colleague.ident.keys.encryption)


def test_quick_successive_statuses_keep_their_order(team: Org, imported: tuple) -> None:
    """Regression: records have 1 s resolution; same-second changes were ordered by chance."""
    rep, _, _ = imported
    d, cfg = team.directory(), Config()
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        for state in ("in_review", "need_info", "in_review", "closed_unsubstantiated"):
            actions.set_status(store, team.lead.ident, cfg, d, rep.case_id, state)
        assert store.cases[rep.case_id]["st"] == "closed_unsubstantiated"


def test_outbox_only_new_items_unless_resend(team: Org, imported: tuple, tmp_path: Path) -> None:
    rep, _, _ = imported
    d, cfg = team.directory(), Config()
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        actions.set_status(store, team.lead.ident, cfg, d, rep.case_id, "in_review")
        assert outbox.write(store, team.lead.ident, d, tmp_path / "a.bisik").statuses == 1
        assert outbox.write(store, team.lead.ident, d, tmp_path / "b.bisik").statuses == 0
        assert (
            outbox.write(store, team.lead.ident, d, tmp_path / "c.bisik", resend=True).statuses == 1
        )


def test_echoed_records_are_confirmed_on_next_import(
    team: Org, imported: tuple, tmp_path: Path
) -> None:
    rep, _, seq_to = imported
    d, cfg = team.directory(), Config()
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        body = actions.set_status(store, team.lead.ident, cfg, d, rep.case_id, "in_review")
        raw = next(
            r["raw"]
            for r in store.load_case(rep.case_id)["records"]
            if r["body"]["id"] == body["id"]
        )
    echo = tmp_path / "echo.bisik"
    write_export(
        echo,
        team.server_key,
        [rep],
        records_by_case={rep.case_id: [("status", raw.encode())]},
        seq_from=seq_to,
    )
    assert do_import(team.lead, echo).confirmed == 1
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        assert store.meta["pending"] == [] and len(store.load_case(rep.case_id)["records"]) == 1


def test_unreadable_case_cannot_be_replied_to_or_signed(team: Org, imported: tuple) -> None:
    _, other, _ = imported
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        with pytest.raises(UsageError):
            actions.reply(store, team.lead.ident, Config(), team.directory(), other.case_id, "Hi")
        with pytest.raises(UsageError):
            actions.set_status(
                store, team.lead.ident, Config(), team.directory(), other.case_id, "in_review"
            )
        assert store.meta.get("pending", []) == []


def test_status_rules(team: Org, imported: tuple) -> None:
    rep, _, _ = imported
    d, cfg = team.directory(), Config()
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        with pytest.raises(UsageError):
            actions.set_status(store, team.lead.ident, cfg, d, rep.case_id, "escalated")
        with pytest.raises(UsageError):
            actions.set_status(store, team.lead.ident, cfg, d, rep.case_id, "done")
        with pytest.raises(CaseNotFound):
            actions.set_status(store, team.lead.ident, cfg, d, "nope-nope", "in_review")
        assert store.meta.get("pending", []) == []


def test_notes_triage_assignment(team: Org, imported: tuple) -> None:
    rep, _, _ = imported
    d, cfg = team.directory(), Config()
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        actions.add_note(store, team.lead.ident, cfg, rep.case_id, "Cek grup WA kecamatan")
        actions.set_fields(store, cfg, rep.case_id, category="retaliation", severity="high")
        actions.assign(store, cfg, d, rep.case_id, "budi")
        with pytest.raises(UsageError):
            actions.assign(store, cfg, d, rep.case_id, "mallory")
        s = store.cases[rep.case_id]
        assert (s["cat"], s["sev"], s["asg"], s["nn"]) == ("retaliation", "high", "budi", 1)
        assert store.load_case(rep.case_id)["notes"][0]["text"] == "Cek grup WA kecamatan"
        assert store.meta.get("pending", []) == []  # notes never leave the laptop


def test_deadlines() -> None:
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    cfg = Config(ack_days=7, feedback_months=3, due_soon_days=3)
    cases = {
        "late": {"st": "received", "rcv": "2026-11-01", "ack": None, "fb": None, "rd": True},
        "acked": {
            "st": "in_review",
            "rcv": "2026-11-01",
            "ack": "2026-11-02",
            "fb": None,
            "rd": True,
        },
        "closed": {
            "st": "closed_substantiated",
            "rcv": "2026-01-01",
            "ack": None,
            "fb": None,
            "rd": True,
        },
        "fresh": {"st": "received", "rcv": "2026-11-29", "ack": None, "fb": None, "rd": True},
    }
    today = dt.date(2026, 11, 29)
    dues = due_list(cases, cfg, today)
    assert [(d.case_id, d.kind, d.late) for d in dues] == [("late", "ack", True)]
    every = due_list(cases, cfg, today, soon_only=False)
    assert {(d.case_id, d.kind) for d in every} == {
        ("late", "ack"),
        ("late", "feedback"),
        ("acked", "feedback"),
        ("fresh", "ack"),
        ("fresh", "feedback"),
    }


def test_cli_reply_status_outbox_due(
    team: Org, imported: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rep, _, _ = imported
    common = lead_args(team, tmp_path)
    cid = rep.case_id
    assert main(["status", cid, "need_info", *common]) == 0
    assert main(["reply", cid, "-m", "Mohon kirim tangkapan layar.", *common]) == 0
    assert main(["note", cid, "catatan", *common]) == 0
    assert main(["set", cid, "--severity", "critical", *common]) == 0
    assert main(["assign", cid, "ayu", *common]) == 0
    assert main(["status", cid, "escalated", *common]) == 1  # no authority
    assert main(["due", "--all", *common]) == 0
    capsys.readouterr()
    assert main(["outbox", "--out", str(tmp_path / "o.bisik"), *common]) == 0
    assert (tmp_path / "o.bisik").exists()
    assert main(["show", cid, *common]) == 0
    shown = capsys.readouterr().out
    assert "Mohon kirim tangkapan layar." in shown and "catatan" in shown
    with read_outbox(tmp_path / "o.bisik", team.directory(), team.server_key.public_key()) as ob:
        assert [i.kind for i in ob.items()] == ["status", "reply", "reply_envelope"]


def test_colleague_status_arrives_in_history(team: Org, tmp_path: Path) -> None:
    d = team.directory()
    rep = make_report(d, ["ayu", "budi"])
    recs = [
        (
            "status",
            status_by(team.colleague, rep.case_id, "in_review", at="2026-11-21T09:00:00+00:00"),
        ),
        (
            "status",
            status_by(team.colleague, rep.case_id, "need_info", at="2026-11-22T09:00:00+00:00"),
        ),
    ]
    path = tmp_path / "e.bisik"
    write_export(path, team.server_key, [rep], records_by_case={rep.case_id: recs})
    do_import(team.lead, path)
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        s = store.cases[rep.case_id]
    assert (s["st"], s["ack"], s["fb"]) == ("need_info", "2026-11-21", "2026-11-22")


def test_deadlines_come_from_the_reviewer_config(tmp_path: Path) -> None:
    from reviewer.home import Home

    home = Home(tmp_path)
    assert home.load_config() == Config()  # 7 days / 3 months when there is no file
    home.save_config(Config(ack_days=2, feedback_months=1))
    cfg = home.load_config()
    summary = {"st": "received", "rcv": "2026-11-01", "ack": None, "fb": None, "rd": True}
    dues = due_list({"c": summary}, cfg, dt.date(2026, 11, 1), soon_only=False)
    assert [(d.kind, d.deadline) for d in dues] == [
        ("ack", dt.date(2026, 11, 3)),
        ("feedback", dt.date(2026, 12, 1)),
    ]
    home.config_file.write_text('{"ack_days": -1}')
    with pytest.raises(UsageError):
        home.load_config()


def test_triage_category_is_a_code_of_the_form(team: Org, imported: tuple) -> None:
    rep, _, _ = imported
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        with pytest.raises(UsageError):
            actions.set_fields(store, Config(), rep.case_id, category="mobilisasi")
        actions.set_fields(store, Config(), rep.case_id, category="rally")
        assert store.case(rep.case_id).category == "rally"
        actions.set_fields(store, Config(), rep.case_id, category="")  # back to the reporter's
        assert store.case(rep.case_id).category == "mobilisation"


def test_triage_role_of_the_reported_person(team: Org, imported: tuple) -> None:
    rep, _, _ = imported
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        assert store.case(rep.case_id).role is None
        with pytest.raises(UsageError):
            actions.set_fields(store, Config(), rep.case_id, role="bupati")  # not a code
        actions.set_fields(store, Config(), rep.case_id, role="penjabat")
        assert store.case(rep.case_id).role == "penjabat"
        actions.set_fields(store, Config(), rep.case_id, role="")
        assert store.case(rep.case_id).role is None


def _sealed_reply(team: Org, tmp_path: Path, rep: FakeReport, text: str) -> bytes:
    """Import ``rep`` for the lead, reply to it, and return the reply envelope queued."""
    path = tmp_path / "export.bisik"
    write_export(path, team.server_key, [rep])
    do_import(team.lead, path)
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        config = team.lead.home.load_config()
        actions.reply(store, team.lead.ident, config, team.directory(), rep.case_id, text)
        return b64u_decode(store.meta["pending"][-1]["envelope"])


def test_reply_is_sealed_only_to_the_case_recipients(team: Org, tmp_path: Path) -> None:
    """Audit F1 (docs/AUDIT-reviewer.md). Bug: a reply was sealed to every active reviewer,
    including one the reporter left out (who could then read it) — and the server refuses such
    an outbox (BUNDLE.md rule 19)."""
    rep = make_report(team.directory(), ["ayu"])  # the reporter left budi out
    sealed = _sealed_reply(team, tmp_path, rep, "Terima kasih, laporan Anda kami tindak lanjuti.")
    named = set(envelope_recipient_ids(sealed[:4096]))
    reporter = b64u_decode(rep.reply_key)
    allowed = {key_id(load_x25519_public(reporter)), key_id(team.lead.ident.keys.public.encryption)}
    assert named == allowed
    assert key_id(team.colleague.ident.keys.public.encryption) not in named
    with pytest.raises(DecryptionError):  # the left-out reviewer cannot open it
        envelope.unseal(sealed, team.colleague.ident.keys.encryption)


def test_reply_ignores_recipients_the_server_added(team: Org, tmp_path: Path) -> None:
    """Audit F1, hardening of the reply fix: the case descriptor's recipient list comes from
    the server. A server that adds a reviewer the reporter left out must not get the replies
    sealed to them; the report's own header (MAC-verified) says whom the reporter chose."""
    rep = make_report(team.directory(), ["ayu"])
    rep.recipients = ["ayu", "budi"]  # what a dishonest server writes in the descriptor
    sealed = _sealed_reply(team, tmp_path, rep, "Terima kasih.")
    with pytest.raises(DecryptionError):
        envelope.unseal(sealed, team.colleague.ident.keys.encryption)
    assert envelope.unseal(sealed, team.lead.ident.keys.encryption)
