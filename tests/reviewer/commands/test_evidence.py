"""``bisik-reviewer evidence`` (``reviewer.commands.evidence``) through the real CLI over a real
store with a real export imported: evidence cleaned and reported, and its decrypted plaintext
never written to the out directory."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from reviewer.cli import main

from ..helpers import Org
from .conftest import (
    outside,
    spy_plaintext_writes,
)


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


def test_evidence_plaintext_is_never_written_to_the_out_dir(
    imported: tuple[Org, list[str], list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Audit F3 (docs/AUDIT-reviewer.md). Bug: ``evidence --out DIR`` decrypted the originals
    (GPS, author and all) into DIR and deleted them afterwards; on a USB stick "deleted" bytes
    stay readable."""
    _team, common, ids = imported
    seen = spy_plaintext_writes(monkeypatch)
    out = tmp_path / "usb"
    assert main(["evidence", ids[0], "--out", str(out), *common]) == 0
    assert outside(seen, out)
    assert sorted(p.name for p in out.iterdir() if p.name.endswith(".jpg"))  # still exported
