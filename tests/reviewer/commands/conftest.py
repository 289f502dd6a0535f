"""Fixtures for the command tests: a lead's laptop with a real export imported (one case
consented to BKN and Kemendagri with a JPEG that carries a name and GPS, six without consent),
spies on where decrypted evidence is written, and the escalate and track commands as the
tests run them."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from crypto import document as cdoc
from crypto import envelope, receipt
from crypto.encoding import b64u_encode
from crypto.keys import raw_public
from reviewer import evidence, plaintext
from reviewer.cli import main

from ..helpers import FakeReport, Org, lead_args, seal_evidence, write_export

NIP = "198503122010011005"
PHONE = "0812 3456 7890"


def jpeg_bytes() -> bytes:
    image = Image.new("RGB", (16, 16), (10, 10, 200))
    exif = Image.Exif()
    exif[0x013B] = "Dewi Kartika"
    exif[0x8825] = {1: "S", 2: (5.0, 25.0, 0.0), 3: "E", 4: (105.0, 16.0, 0.0)}
    buf = io.BytesIO()
    image.save(buf, format="JPEG", exif=exif)
    return buf.getvalue()


def report_with_evidence(
    team: Org, i: int, category: str, month: str, consent: list[str]
) -> FakeReport:
    keys = [r.keys.encryption for r in team.directory().active_reviewers()]
    code = receipt.generate()
    evidence, listed = {}, []
    for n, (data, share) in enumerate([(jpeg_bytes(), True), (jpeg_bytes(), False)]):
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
    reports = [report_with_evidence(team, 0, "mobilisation", "2024-10", ["bkn", "kemendagri"])]
    reports += [report_with_evidence(team, i, "social_media", "2024-10", []) for i in range(1, 7)]
    bundle = tmp_path / "export.bisik"
    write_export(bundle, team.server_key, reports)
    common = lead_args(team, tmp_path)
    assert main(["import", str(bundle), *common]) == 0
    return team, common, [r.case_id for r in reports]


def spy_plaintext_writes(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
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


def outside(paths: list[Path], out: Path) -> bool:
    return bool(paths) and not any(p.resolve().is_relative_to(out.resolve()) for p in paths)


def escalate(common: list[str], case_id: str, authority: str, out: Path) -> int:
    """``escalate CASE --to AUTHORITY --out OUT --accept-all-redactions``: the exit status."""
    options = ["--to", authority, "--out", str(out), "--accept-all-redactions"]
    return main(["escalate", case_id, *options, *common])


def track(common: list[str], case_id: str, authority: str, stage: str, *options: str) -> int:
    """``track CASE --authority AUTHORITY --stage STAGE OPTIONS``: the exit status."""
    return main(["track", case_id, "--authority", authority, "--stage", stage, *options, *common])
