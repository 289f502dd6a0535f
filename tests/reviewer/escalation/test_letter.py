"""The dossier as an Indonesian official letter, read back with poppler's ``pdftotext`` and
checked with ``pdffonts``: sender, number, subject, addressee at the chosen level, dates in
words, the exact provision (with Pasal 190 where it belongs), no protection claim, copies, and
every font embedded."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import subprocess
from pathlib import Path

import pytest

from reviewer.case import Case
from reviewer.errors import AuthorityError, ConsentError, UsageError
from reviewer.escalation import authorities, dossier, redact, regulations
from reviewer.home import Config
from tests.reviewer.helpers import LETTERHEAD

TODAY = dt.date(2026, 12, 5)
SENDER = Config(**LETTERHEAD).letterhead()


def _case(role: str | None = "kepala_daerah") -> Case:
    return Case(
        case_id="C-0099",
        received_day=dt.date(2024, 11, 20),
        category="retaliation",
        region="Lampung",
        incident_date=dt.date(2024, 11, 15),
        incident_label="2024-11",
        election="pilkada 2024",
        role=role,
        fields={
            "description": "Setelah menolak hadir di rapat pemenangan, tiga staf dimutasi "
            "ke kecamatan terjauh tanpa persetujuan Menteri.",
            "reported_position": "Bupati",
            "regency": "Kabupaten Lampung Selatan",
        },
        consent_authorities=frozenset({"bawaslu", "inspektorat", "kemendagri"}),
    )


def _write(tmp_path: Path, case: Case, to: str = "bawaslu", **kw):  # type: ignore[no-untyped-def]
    return dossier.write(
        case,
        authorities.resolve(to),
        redact.Decisions(accept_all=True),
        tmp_path / to,
        sender=SENDER,
        today=TODAY,
        **kw,
    )


def _text(pdf: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(out.split())


def test_letter_reads_back_as_an_official_letter(tmp_path: Path) -> None:
    res = _write(tmp_path, _case(), cc=[authorities.resolve("kemendagri")])
    text = _text(res.pdf_path)
    for part in LETTERHEAD.values():
        assert part in text
    assert "Bandar Lampung, 5 Desember 2026" in text
    assert f"Nomor : {res.reference}/BISIK/XII/2026" in text
    assert re.search(r"Lampiran\s*:\s*-", text)
    assert "Perihal : Informasi awal dugaan pelanggaran: pembalasan" in text
    assert "Yth. Ketua Bawaslu Kabupaten Lampung Selatan" in text
    assert "Waktu kejadian: November 2024" in text
    assert "Pemilihan Gubernur, Bupati, dan Wali Kota 2024" in text
    rule = regulations.catalogue()["pilkada_71_2"]
    assert " ".join(rule.text.split()) in text and "jo. Pasal 190" in rule.text
    assert " ".join(regulations.catalogue()["pilkada_162_3"].text.split()) in text
    assert "Pasal 188" not in text  # 71(2) and 162(3) are punished under Pasal 190
    assert text.index("A. Fakta") < text.index("B. Ketentuan") < text.index("D. Permohonan")
    assert "7 (tujuh) hari" in text and "informasi awal" in text and "temuan" in text
    assert "Tembusan: 1. Menteri Dalam Negeri" in text and "2. Arsip" in text
    assert "dilindungi" not in text.lower()
    assert "pilkada 2024" not in text and "retaliation" not in text  # labels, not codes
    assert not re.search(r"\b\d{4}-\d{2}\b", text)  # no ISO dates
    assert text.count("dugaan pelanggaran") == 1  # the allegation is stated once
    data = json.loads(res.json_path.read_text("utf-8"))
    assert data["format"] == "bisik-dossier/2"
    assert data["authority"]["official"] == "Ketua Bawaslu Kabupaten Lampung Selatan"
    assert "dilindungi" not in json.dumps(data, ensure_ascii=False).lower()
    assert {p["key"] for p in data["provisions"]} >= {"pilkada_71_2", "pilkada_162_3"}
    assert all(p["verified"] is False for p in data["provisions"])


def test_every_font_is_embedded(tmp_path: Path) -> None:
    res = _write(tmp_path, _case())
    out = subprocess.run(
        ["pdffonts", str(res.pdf_path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    rows = out[2:]
    assert rows, "pdffonts listed no font"
    for row in rows:
        cols = row.split()
        emb = cols[-5]  # name type encoding emb sub uni object ID
        assert emb == "yes", row


def test_role_decides_what_is_cited(tmp_path: Path) -> None:
    res = _write(tmp_path, _case(role="asn_pns"), to="inspektorat", level="kabupaten_kota")
    text = _text(res.pdf_path)
    assert "Yth. Inspektur Kabupaten Lampung Selatan" in text
    assert "Pasal 71 ayat (2)" not in text  # binds the regional head, not a PNS
    assert "Pegawai ASN berstatus PNS" in text


def test_unstated_role_names_whom_each_rule_binds(tmp_path: Path) -> None:
    text = _text(_write(tmp_path, _case(role=None)).pdf_path)
    assert "belum dinyatakan oleh penelaah" in text
    assert "Mengikat: kepala daerah atau wakil kepala daerah" in text


def test_missing_letterhead_or_place_or_consent_stops_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as err:
        Config(org_name="Pemantau").letterhead()
    assert "org_address" in str(err.value)
    case = dataclasses.replace(_case(), fields={"description": "x", "reported_position": "y"})
    with pytest.raises(AuthorityError):  # kabupaten/kota level, but no regency known
        _write(tmp_path, case)
    with pytest.raises(ConsentError):  # a copy goes only where the reporter agreed
        _write(tmp_path, _case(), cc=[authorities.resolve("kpk")])
    assert not (tmp_path / "bawaslu" / "dossier.pdf").exists()
