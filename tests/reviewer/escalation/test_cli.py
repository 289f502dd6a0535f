"""The whole reviewer-side loop for evidence, escalation, tracking and statistics, through the
real CLI over a real store: a bundle written with vault's writer, imported, then
``evidence``, ``escalate`` (consent and redaction enforced), ``track`` and ``stats``."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from crypto import document as cdoc
from crypto import envelope, receipt
from crypto.encoding import b64u_encode
from crypto.keys import raw_public
from reviewer import evidence, plaintext
from reviewer.cli import main
from reviewer.escalation import chain, tracking
from reviewer.store import CaseStore

from ..helpers import FakeReport, Org, lead_args, seal_evidence, write_export

NIP = "198503122010011005"
PHONE = "0812 3456 7890"


def _jpeg_bytes() -> bytes:
    image = Image.new("RGB", (16, 16), (10, 10, 200))
    exif = Image.Exif()
    exif[0x013B] = "Dewi Kartika"
    exif[0x8825] = {1: "S", 2: (5.0, 25.0, 0.0), 3: "E", 4: (105.0, 16.0, 0.0)}
    buf = io.BytesIO()
    image.save(buf, format="JPEG", exif=exif)
    return buf.getvalue()


def _report(team: Org, i: int, category: str, month: str, consent: list[str]) -> FakeReport:
    keys = [r.keys.encryption for r in team.directory().active_reviewers()]
    code = receipt.generate()
    evidence, listed = {}, []
    for n, (data, share) in enumerate([(_jpeg_bytes(), True), (_jpeg_bytes(), False)]):
        env, mac = seal_evidence(data, keys)
        sha = hashlib.sha256(env).hexdigest()
        evidence[sha] = env
        listed.append(
            cdoc.Evidence(sha, f"WA_Dewi_{n}.jpg", "image/jpeg", len(data), share, envelope_mac=mac)
        )
    fields = {
        "category": category,
        "election": "pilkada",
        "election_year": "2024",
        "province": "Lampung",
        "regency": "Kota Bandar Lampung",
        "agency_kind": "regency",
        "incident_month": month,
        "reported_position": f"Kepala Dinas {i}",
        "description": f"Saya Dewi Kartika, NIP {NIP}, HP {PHONE}. Kepala Dinas "
        "mengumpulkan kami pada rapat tanggal 20-10-2024.",
    }
    reply = b64u_encode(raw_public(receipt.derive(code).reply_public))
    doc = cdoc.Document(
        "report",
        "2024-10-21T08:15:00+00:00",
        "browser",
        fields,
        reply,
        tuple(listed),
        {"authorities": consent},
    )
    return FakeReport(
        f"case{i:04d}abcd",
        "2024-10-21",
        ["ayu", "budi"],
        code,
        envelope.seal(doc.to_bytes(), keys),
        evidence,
    )


@pytest.fixture
def imported(team: Org, tmp_path: Path) -> tuple[Org, list[str], list[str]]:
    reports = [_report(team, 0, "mobilisation", "2024-10", ["bkn", "kemendagri"])]
    reports += [_report(team, i, "social_media", "2024-10", []) for i in range(1, 7)]
    bundle = tmp_path / "export.bisik"
    write_export(bundle, team.server_key, reports)
    common = lead_args(team, tmp_path)
    assert main(["import", str(bundle), *common]) == 0
    return team, common, [r.case_id for r in reports]


def test_evidence_command_cleans_and_reports(imported, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _, common, ids = imported
    out = tmp_path / "ev"
    assert main(["evidence", ids[0], "--out", str(out), *common]) == 0
    files = sorted(p.name for p in out.iterdir())
    jpgs = [f for f in files if f.endswith(".jpg")]
    assert len(jpgs) == 2 and "evidence-report.json" in files
    assert not [f for f in files if f.startswith(".bisik")]  # no decrypted leftovers
    for name in jpgs:
        tags = subprocess.run(
            ["exiftool", "-json", str(out / name)], capture_output=True, text=True, check=True
        ).stdout
        assert "GPS" not in tags and "Dewi" not in tags
    report = (out / "evidence-report.json").read_text("utf-8")
    assert "WA_Dewi" not in report  # the reporter's file names stay out of the report file
    assert "GPSLatitude" in report  # but what was removed is listed
    assert "GPSLatitude" in capsys.readouterr().out


def test_escalate_respects_consent_and_confirmed_redactions(imported, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _team, common, ids = imported
    refused = tmp_path / "kpk"
    assert (
        main(
            [
                "escalate",
                ids[0],
                "--to",
                "KPK",
                "--out",
                str(refused),
                "--accept-all-redactions",
                *common,
            ]
        )
        == 1
    )
    assert not (refused / "dossier.pdf").exists()
    unconfirmed = tmp_path / "unconfirmed"  # stdin is not a terminal: nothing is assumed
    assert main(["escalate", ids[0], "--to", "BKN", "--out", str(unconfirmed), *common]) == 1
    assert not (unconfirmed / "dossier.pdf").exists()
    out = tmp_path / "bkn"
    assert (
        main(
            [
                "escalate",
                ids[0],
                "--to",
                "BKN",
                "--out",
                str(out),
                "--mark-name",
                "Dewi Kartika",
                "--accept-all-redactions",
                *common,
            ]
        )
        == 0
    )
    text = " ".join(
        " ".join(p.extract_text() or "" for p in PdfReader(out / "dossier.pdf").pages).split()
    )
    digits = "".join(c for c in text if c.isdigit())
    assert NIP not in digits and "081234567890" not in digits and "Dewi" not in text
    assert "Kepala Dinas" in text and "Oktober 2024" in text and "2024-10" not in text
    assert [p.name for p in (out / "lampiran").iterdir()] == ["lampiran-01.jpg"]  # shared only
    data = json.loads((out / "dossier.json").read_text("utf-8"))
    assert data["category"]["code"] == "mobilisation"
    assert any("10 Tahun 2016" in a["text"] for a in data["provisions"])  # Pilkada law
    assert not any("7 Tahun 2017" in a["text"] for a in data["provisions"])
    assert "Pemerintah kabupaten/kota" in text
    assert ids[0] not in text and ids[0] not in json.dumps(data)  # a random reference instead
    again = tmp_path / "bkn2"  # reissued to the same authority: same reference
    assert (
        main(
            [
                "escalate",
                ids[0],
                "--to",
                "bkn",
                "--out",
                str(again),
                "--accept-all-redactions",
                *common,
            ]
        )
        == 0
    )
    assert json.loads((again / "dossier.json").read_text("utf-8"))["reference"] == data["reference"]


def test_track_chain_overdue_and_signed_status(imported, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    team, common, ids = imported
    assert (
        main(
            [
                "escalate",
                ids[0],
                "--to",
                "Kemendagri",
                "--out",
                str(tmp_path / "d"),
                "--accept-all-redactions",
                *common,
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "track",
                ids[0],
                "--authority",
                "bawaslu",
                "--stage",
                "sent",
                "--day",
                "2024-11-01",
                "--set-status",
                *common,
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["track", "--overdue", "--today", "2024-11-20", *common]) == 0
    assert ids[0][:12] in capsys.readouterr().out  # 'sent' waits 7 days (stages.json)
    assert (
        main(
            [
                "track",
                ids[0],
                "--authority",
                "Bawaslu",
                "--stage",
                "acknowledged",
                "--reference",
                "800/123/OTDA",
                "--day",
                "2024-11-05",
                *common,
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "track",
                ids[0],
                "--authority",
                "bawaslu",
                "--stage",
                "recommendation",
                "--day",
                "2024-11-12",
                *common,
            ]
        )
        == 0
    )
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
    assert main(["track", ids[0], "--authority", "bawaslu", "--stage", "sent", *common]) == 1
    assert main(["track", ids[0], "--authority", "ppk", "--stage", "sanction", *common]) == 1
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        assert len(chain.chain(store.case(ids[0]))) == 3
    with pytest.raises(SystemExit):  # argparse refuses an unknown stage
        main(["track", ids[0], "--authority", "ppk", "--stage", "dipecat", *common])


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


def test_interactive_redaction_prompt(imported, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _team, common, ids = imported
    from reviewer.commands import escalate as cmd

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = iter(["", "n"])  # NIP: default yes; phone: keep (say, it was the office line)
    prompts: list[str] = []

    def fake_input(prompt: str) -> str:
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr(cmd.sys, "stdin", Tty())
    monkeypatch.setattr("builtins.input", fake_input)
    out = tmp_path / "i"
    assert main(["escalate", ids[0], "--to", "BKN", "--out", str(out), *common]) == 0
    assert len(prompts) == 2 and "NIP" in prompts[0]
    text = (out / "dossier.json").read_text("utf-8")
    assert NIP not in text.replace(" ", "") and PHONE in text


def test_impossible_month_does_not_stop_stats_or_escalation(team: Org, tmp_path: Path) -> None:
    """Issue 8: one report with an impossible month stopped `stats` for everyone, and a
    retaliation follow-up with one raised an unhandled error. Through the real CLI."""
    reports = [_report(team, i, "social_media", "2024-10", ["bkn"]) for i in range(6)]
    reports.append(_report(team, 9, "retaliation", "2024-13", ["bkn"]))
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


def test_dossier_carries_no_number_written_with_lookalike_characters(
    team: Org, tmp_path: Path
) -> None:
    """Issue 8: a NIP with no-break spaces or a phone number in full-width digits passed both
    the redaction and the final leak check into the dossier. Through the real CLI."""
    nip = "19850312\u00a0201001\u00a01\u00a0005"
    phone = "０８１２–３４５６–７８９０"
    nik = "(3174) 0512/0385/0001"
    rep = _report(team, 1, "mobilisation", "2024-10", ["bkn"])
    keys = [r.keys.encryption for r in team.directory().active_reviewers()]
    fields = {
        "category": "mobilisation",
        "election": "pilkada",
        "election_year": "2024",
        "province": "Lampung",
        "regency": "Kota Bandar Lampung",
        "agency_kind": "regency",
        "incident_month": "2024-10",
        "reported_position": "Kepala Dinas",
        "description": f"NIP saya {nip}, NIK {nik}, HP {phone}.",
    }
    doc = cdoc.Document(
        "report",
        "2024-10-21T08:15:00+00:00",
        "browser",
        fields,
        rep.reply_key,
        (),
        {"authorities": ["bkn"]},
    )
    rep.report_env, rep.evidence = envelope.seal(doc.to_bytes(), keys), {}
    bundle = tmp_path / "export.bisik"
    write_export(bundle, team.server_key, [rep])
    common = lead_args(team, tmp_path)
    assert main(["import", str(bundle), *common]) == 0
    out = tmp_path / "d"
    assert (
        main(
            [
                "escalate",
                rep.case_id,
                "--to",
                "bkn",
                "--out",
                str(out),
                "--accept-all-redactions",
                *common,
            ]
        )
        == 0
    )
    data = json.loads((out / "dossier.json").read_text("utf-8"))
    assert data["redactions"]["by_kind"] == {"nip": 1, "nik": 1, "phone": 1}
    pdf = " ".join(p.extract_text() or "" for p in PdfReader(out / "dossier.pdf").pages)
    for text in (json.dumps(data, ensure_ascii=False), pdf):
        digits = "".join(str(unicodedata.decimal(c)) for c in text if c.isdecimal())
        for number in ("198503122010011005", "3174051203850001", "081234567890"):
            assert number not in digits


def _spy_plaintext_writes(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every path decrypted evidence or mat2's working copy is written to."""
    seen: list[Path] = []
    real_unseal, real_clean = envelope.unseal_to_path, evidence.clean_file

    def unseal_to_path(src: Any, path: Path, identity: Any) -> int:
        seen.append(Path(path))
        return real_unseal(src, path, identity)

    def clean_file(src: Path, detected: Any, workdir: Path) -> Any:
        seen.append(Path(workdir))
        return real_clean(src, detected, workdir)

    monkeypatch.setattr(plaintext.envelope, "unseal_to_path", unseal_to_path)
    monkeypatch.setattr(evidence, "clean_file", clean_file)
    return seen


def _outside(paths: list[Path], out: Path) -> bool:
    return bool(paths) and not any(p.resolve().is_relative_to(out.resolve()) for p in paths)


def _escalate_to_bkn(common: list[str], case_id: str, out: Path) -> int:
    """``escalate CASE --to BKN --out OUT --accept-all-redactions``: the exit status."""
    return main(
        ["escalate", case_id, "--to", "BKN", "--out", str(out), "--accept-all-redactions", *common]
    )


def test_evidence_plaintext_is_never_written_to_the_out_dir(
    imported: tuple[Org, list[str], list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Audit F3 (docs/AUDIT-reviewer.md). Bug: ``evidence --out DIR`` decrypted the originals
    (GPS, author and all) into DIR and deleted them afterwards; on a USB stick "deleted" bytes
    stay readable."""
    _team, common, ids = imported
    seen = _spy_plaintext_writes(monkeypatch)
    out = tmp_path / "usb"
    assert main(["evidence", ids[0], "--out", str(out), *common]) == 0
    assert _outside(seen, out)
    assert sorted(p.name for p in out.iterdir() if p.name.endswith(".jpg"))  # still exported


def test_dossier_plaintext_is_never_written_to_the_out_dir(
    imported: tuple[Org, list[str], list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Audit F3. Bug: ``escalate --out DIR`` decrypted evidence and ran mat2 on copies inside
    DIR."""
    _team, common, ids = imported
    seen = _spy_plaintext_writes(monkeypatch)
    out = tmp_path / "usb"
    assert _escalate_to_bkn(common, ids[0], out) == 0
    assert _outside(seen, out)
    assert [p.name for p in (out / "lampiran").iterdir()] == ["lampiran-01.jpg"]
    assert not [p for p in out.rglob(".bisik*")]


def test_dossier_refuses_to_write_through_a_symlinked_attachment_dir(
    imported: tuple[Org, list[str], list[str]],
    tmp_path: Path,
) -> None:
    """Audit F15 (docs/AUDIT-reviewer.md): a stick prepared with ``lampiran -> somewhere on the
    laptop`` must not redirect the cleaned attachments there."""
    _team, common, ids = imported
    out, elsewhere = tmp_path / "usb", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "lampiran").symlink_to(elsewhere)
    assert _escalate_to_bkn(common, ids[0], out) == 1
    assert list(elsewhere.iterdir()) == []
    assert not (out / "dossier.json").exists()
