"""Dossiers: consent is respected (authority and each evidence item), the PDF read back with
pypdf and pdftotext carries no redacted item, attachments are cleaned and named neutrally."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from reviewer.case import Case, EvidenceItem, StatusEvent
from reviewer.errors import AuthorityError, ConsentError, RedactionError
from reviewer.escalation import authorities, dossier, redact, regulations
from reviewer.home import Config
from tests.reviewer.helpers import LETTERHEAD

NIP = "19850312 201001 1 005"
PHONE = "0812-3456-7890"
EMAIL = "rina.w@kantor.go.id"
NAME = "Rina Wulandari"
TODAY = dt.date(2024, 12, 2)


def _jpeg(path: Path) -> Path:
    image = Image.new("RGB", (16, 16), (10, 120, 10))
    exif = Image.Exif()
    exif[0x013B] = NAME  # Artist
    exif[0x8825] = {1: "S", 2: (5.0, 25.0, 0.0), 3: "E", 4: (105.0, 16.0, 0.0)}
    image.save(path, format="JPEG", exif=exif)
    return path


def make_case(tmp_path: Path, consent: list[str], election: str = "Pilkada 2024") -> Case:
    shared = _jpeg(tmp_path / "IMG_rina_wulandari.jpg")
    private = _jpeg(tmp_path / "private.jpg")
    return Case(
        case_id="C-0042",
        received_day=dt.date(2024, 11, 20),
        category="mobilisation",
        region="Lampung",
        incident_date=dt.date(2024, 11, 18),
        election=election,
        fields={
            "description": (
                f"Saya {NAME} (NIP {NIP}) diperintah Kepala Dinas lewat grup WA "
                f"untuk hadir di rapat pemenangan. Hubungi saya di {PHONE} atau "
                f"{EMAIL}. Uang transport Rp 150.000 dibagikan 18-11-2024."
            ),
            "position": "Kepala Dinas Pendidikan",
            "contact": "rahasia@example.org",
        },
        evidence=(
            EvidenceItem("a" * 64, "IMG_rina_wulandari.jpg", "image/jpeg", 1, True, shared),
            EvidenceItem("b" * 64, "private.jpg", "image/jpeg", 1, False, private),
        ),
        status_history=(
            StatusEvent("in_review", dt.date(2024, 11, 21)),
            StatusEvent("escalated", dt.date(2024, 11, 25), "LPSK"),
        ),
        consent_authorities=frozenset(consent),
    )


SENDER = Config(**LETTERHEAD).letterhead()


def write(*args, **kwargs):  # type: ignore[no-untyped-def]
    """dossier.write with the test organisation's letterhead."""
    return dossier.write(*args, sender=SENDER, **kwargs)


def _decisions() -> redact.Decisions:
    return redact.Decisions(accept_all=True, names=[NAME])


def _pdf_text(path: Path) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    if shutil.which("pdftotext"):
        text += subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
    return text


def test_pdf_and_json_carry_no_redacted_item(tmp_path: Path) -> None:
    case = make_case(tmp_path, ["BKN", "LPSK"])
    res = write(case, authorities.resolve("bkn"), _decisions(), tmp_path / "out", today=TODAY)
    pdf_text = _pdf_text(res.pdf_path)
    json_text = res.json_path.read_text("utf-8")
    flat = " ".join(pdf_text.split())
    for text in (flat, json_text):
        digits = "".join(ch for ch in text if ch.isdigit())
        assert "198503122010011005" not in digits and "081234567890" not in digits
        assert EMAIL not in text and "Rina" not in text and "Wulandari" not in text
        assert "rahasia@example.org" not in text  # the contact field never goes out
        assert "a" * 64 not in text  # never the envelope hash
        assert "IMG_" not in text  # never the reporter's file name
        assert "LPSK" not in text  # another authority's escalation is left out
    assert "disamarkan" in flat and "Kepala Dinas Pendidikan" in flat
    assert "Rp 150.000" in flat  # amounts and dates survive
    assert "diduga bertentangan dengan ketentuan berikut" in flat
    meta = PdfReader(res.pdf_path).metadata or {}
    assert not str(meta.get("/Author") or "").strip()
    data = json.loads(json_text)
    assert "C-0042" not in json_text and "C-0042" not in flat  # never the server's case id
    assert data["reference"] == res.reference and res.reference in flat
    assert [r["date"] for r in data["timeline"]][:2] == ["2024-11-18", "2024-11"]
    assert [r["date_text"] for r in data["timeline"]][:2] == ["18 November 2024", "November 2024"]
    assert data["redactions"]["count"] == res.redacted == 4
    assert data["authority"]["code"] == "bkn"


def test_only_shared_evidence_is_attached_and_it_is_cleaned(tmp_path: Path) -> None:
    case = make_case(tmp_path, ["bkn"])
    res = write(case, authorities.resolve("BKN"), _decisions(), tmp_path / "out", today=TODAY)
    assert [p.name for p in res.attachments] == ["lampiran-01.jpg"]
    data = json.loads(res.json_path.read_text("utf-8"))
    [listed] = data["evidence"]
    import hashlib

    assert listed["sha256"] == hashlib.sha256(res.attachments[0].read_bytes()).hexdigest()
    tags = subprocess.run(
        ["exiftool", "-json", str(res.attachments[0])], capture_output=True, text=True, check=True
    ).stdout
    assert "GPS" not in tags and "Wulandari" not in tags
    leftovers = [p.name for p in (tmp_path / "out").iterdir()]
    assert sorted(leftovers) == ["dossier.json", "dossier.pdf", "lampiran"]


def test_authority_without_consent_gets_nothing(tmp_path: Path) -> None:
    case = make_case(tmp_path, ["Bawaslu"])
    out = tmp_path / "out"
    with pytest.raises(ConsentError):
        write(case, authorities.resolve("KPK"), _decisions(), out, today=TODAY)
    assert not out.exists()
    with pytest.raises(ConsentError):  # another body needs "other" or its own name
        write(
            case, authorities.resolve(to_other="Inspektorat Daerah"), _decisions(), out, today=TODAY
        )
    assert authorities.consented(
        authorities.resolve(to_other="Inspektorat Daerah"), frozenset({"other"})
    )


def test_no_consent_at_all_means_no_dossier(tmp_path: Path) -> None:
    with pytest.raises(ConsentError):
        write(
            make_case(tmp_path, []),
            authorities.resolve("bawaslu"),
            _decisions(),
            tmp_path / "out",
            today=TODAY,
        )


def test_unconfirmed_redaction_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(RedactionError):
        write(
            make_case(tmp_path, ["bkn"]),
            authorities.resolve("bkn"),
            redact.Decisions(names=[NAME]),
            out,
            today=TODAY,
        )
    assert not out.exists() or not any(out.iterdir())


def test_consent_from_store_record_shapes() -> None:
    base = {"id": "X", "received": "2024-01-02", "readable": True}
    as_list = Case.from_store({**base, "report": {"consent": {"authorities": ["Ombudsman RI"]}}})
    as_map = Case.from_store(
        {**base, "report": {"consent": {"authorities": {"kpk": True, "bkn": False}}}}
    )
    ombudsman, kpk, bkn = (authorities.resolve(x) for x in ("ombudsman", "kpk", "bkn"))
    assert authorities.consented(ombudsman, as_list.consent_authorities)
    assert authorities.consented(kpk, as_map.consent_authorities)
    assert not authorities.consented(bkn, as_map.consent_authorities)


def test_unknown_authority() -> None:
    with pytest.raises(AuthorityError):
        authorities.resolve("KASN")  # dissolved by Law 20/2023
    with pytest.raises(AuthorityError):
        authorities.resolve()
    assert authorities.resolve("kemenpan-rb").code == authorities.resolve("KemenPAN-RB").code


def test_regulations_follow_election_and_incident_date() -> None:
    pilkada = regulations.breached("biased_decision", dt.date(2024, 11, 1), "Pilkada 2024")
    pemilu = regulations.breached("biased_decision", dt.date(2024, 1, 10), "Pemilu 2024")
    assert any("10 Tahun 2016" in r for r in pilkada) and not any(
        "7 Tahun 2017" in r for r in pilkada
    )
    assert any("Pasal 282" in r for r in pemilu) and not any("10 Tahun 2016" in r for r in pemilu)
    old = regulations.breached("social_media", dt.date(2023, 6, 1), "")
    new = regulations.breached("social_media", dt.date(2024, 6, 1), "")
    assert any("5 Tahun 2014" in r for r in old) and not any("20 Tahun 2023" in r for r in old)
    assert any("20 Tahun 2023" in r for r in new) and not any("5 Tahun 2014" in r for r in new)
    for cat in regulations.CATEGORIES:
        assert regulations.breached(cat, dt.date(2024, 6, 1), "")
    assert regulations.breached("no-such-category", None, "")  # falls back to "other"


def test_retaliation_follow_ups_are_facts_and_timeline_and_are_redacted(tmp_path: Path) -> None:
    import dataclasses

    case = dataclasses.replace(
        make_case(tmp_path, ["kemendagri"]),
        evidence=(),
        retaliations=(
            {
                "kind": "retaliation",
                "retaliation_kind": "non_job",
                "retaliation_month": "2025-03",
                "text": "Saya di-non-job-kan. WA saya 0813 1111 2222.",
            },
        ),
    )
    res = write(case, authorities.resolve("kemendagri"), _decisions(), tmp_path / "o", today=TODAY)
    data = json.loads(res.json_path.read_text("utf-8"))
    [ret] = [f for f in data["facts"] if f["field"] == "retaliation_1"]
    assert "non-job" in ret["label"] and "2025-03" in ret["label"]
    assert "1111" not in ret["text"] and "disamarkan" in ret["text"]
    assert {
        "date": "2025-03",
        "date_text": "Maret 2025",
        "event": "Pembalasan yang dilaporkan: non-job (dibebaskan dari jabatan)",
    } in data["timeline"]
    assert "1111" not in " ".join(_pdf_text(res.pdf_path).split())
