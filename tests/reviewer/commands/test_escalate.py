"""``bisik-reviewer escalate`` (``reviewer.commands.escalate``) through the real CLI over a real
store with a real export imported: consent and confirmed redactions enforced, the interactive
redaction prompt, no identifying number written with lookalike characters, no plaintext in the
out directory and no write through a symlinked attachment directory."""

from __future__ import annotations

import io
import json
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from crypto import document as cdoc
from crypto import envelope
from reviewer.cli import main

from ..helpers import Org, lead_args, write_export
from .conftest import (
    NIP,
    PHONE,
    escalate,
    outside,
    report_with_evidence,
    spy_plaintext_writes,
)


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


def test_dossier_carries_no_number_written_with_lookalike_characters(
    team: Org, tmp_path: Path
) -> None:
    """Issue 8: a NIP with no-break spaces or a phone number in full-width digits passed both
    the redaction and the final leak check into the dossier. Through the real CLI."""
    nip = "19850312\u00a0201001\u00a01\u00a0005"
    phone = "０８１２–３４５６–７８９０"
    nik = "(3174) 0512/0385/0001"
    rep = report_with_evidence(team, 1, "mobilisation", "2024-10", ["bkn"])
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


def test_dossier_plaintext_is_never_written_to_the_out_dir(
    imported: tuple[Org, list[str], list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Audit F3. Bug: ``escalate --out DIR`` decrypted evidence and ran mat2 on copies inside
    DIR."""
    _team, common, ids = imported
    seen = spy_plaintext_writes(monkeypatch)
    out = tmp_path / "usb"
    assert escalate(common, ids[0], "BKN", out) == 0
    assert outside(seen, out)
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
    assert escalate(common, ids[0], "BKN", out) == 1
    assert list(elsewhere.iterdir()) == []
    assert not (out / "dossier.json").exists()
