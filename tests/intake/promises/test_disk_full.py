"""A disk that fills up *while* a submission is written: the reporter gets the "server is full"
answer (507, ``error.disk_full``), never an internal error, and nothing half-written stays.

The free-space check (``intake.free_space``) refuses most submissions before any byte is
written; under load, several requests pass the check together and the later writers then meet
ENOSPC. These tests replay that race by making the check see room (``has_room`` answers yes,
as it did before the other writers took the space) on a disk that really is full. The load run
(``bench/load_faults.py``, disk-full phase) found the no-JS path answering 500 there.
The home lives on a small tmpfs; mounting one needs root (as on the CI machine).

The promise: docs/THREAT_MODEL.md P8 (disk floors refuse uploads before the disk fills, and a
full disk under load is a 507, never a stored half case).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from crypto import envelope
from intake import config as cfg
from intake import free_space
from intake.app import create_app

from ..conftest import Org, csrf_of, make_home, tr
from ..helpers import case_count, report_fields, with_files

SMALL_FS = 3 << 20


@pytest.fixture
def small_home(tmp_path: Path, org: Org) -> Iterator[Path]:
    """A server home on a 3 MiB tmpfs (its SQLite database included), unmounted afterwards."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SMALL_FS},mode=0700", "tmpfs", str(mnt)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs (the suite runs as root): {done.stderr!r}")
    try:
        yield make_home(mnt / "server", org)
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=True)


@pytest.fixture
def full_app(small_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The intake on the small home; its free-space check saw room (the race)."""
    monkeypatch.setattr(free_space, "has_room", lambda *_args: True)
    (small_home / "logs").mkdir(exist_ok=True)
    config = cfg.with_overrides(
        cfg.load(small_home, env={}),
        log_file=str(small_home / "logs" / "bisik.log"),
        receipt_floor_ms=20,
        min_free_bytes=0,
        text_reserve_bytes=0,
    )
    app = create_app(config)
    app.testing = True
    yield app
    app.extensions["bisik"].vault.close()


def _blob_files(home: Path) -> list[Path]:
    """Every file under the blob store, its tmp/ included: no half envelope may stay there."""
    return [p for p in (home / "blobs").rglob("*") if p.is_file()]


def _fill(home: Path, leave: int) -> Callable[[], None]:
    """Fill the disk with a ballast file until about ``leave`` bytes are free; the undo."""
    ballast = home.parent / "ballast"
    st = os.statvfs(home)
    ballast.write_bytes(b"\0" * max(st.f_bavail * st.f_frsize - leave, 0))
    return ballast.unlink


def test_nojs_report_meeting_a_full_disk_gets_the_full_page(
    full_app: Flask, small_home: Path
) -> None:
    client = full_app.test_client()
    csrf = csrf_of(client)
    undo = _fill(small_home, 256 << 10)
    big = os.urandom(600 << 10)  # larger than what is left: the blob write meets ENOSPC
    data = with_files(report_fields(csrf), {"evidence_1": (big, "rekaman.jpg")})
    r = client.post("/submit", data=data, content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 507, html[:400]
    assert tr("id", "error.disk_full") in html
    assert 'id="receipt"' not in html
    assert case_count(full_app) == 0
    assert _blob_files(small_home) == []  # no half envelope left behind
    undo()
    again = client.post(
        "/submit",
        data=with_files(report_fields(csrf_of(client)), {"evidence_1": (big, "rekaman.jpg")}),
        content_type="multipart/form-data",
    )
    assert again.status_code == 200 and 'id="receipt"' in again.get_data(as_text=True)


def test_api_piece_meeting_a_full_disk_says_full(
    full_app: Flask, small_home: Path, org: Org
) -> None:
    client = full_app.test_client()
    h = {"X-CSRF-Token": csrf_of(client)}
    recipients = [kp.public.encryption for kp in org.reviewers.values()]
    data = envelope.seal(os.urandom(600 << 10), recipients)
    start = client.post("/api/uploads", json={"size": len(data)}, headers=h)
    assert start.status_code == 201, start.get_data(as_text=True)
    info = start.get_json()
    undo = _fill(small_home, 256 << 10)
    piece = client.put(
        f"/api/uploads/{info['id']}?offset=0",
        data=data,
        headers={**h, "X-Upload-Token": info["token"]},
        content_type="application/octet-stream",
    )
    assert piece.status_code == 507, piece.get_data(as_text=True)
    assert piece.get_json() == {"error": "error.disk_full"}
    undo()
    offset = client.get(f"/api/uploads/{info['id']}", headers={"X-Upload-Token": info["token"]})
    assert offset.get_json()["offset"] == 0  # nothing of the refused piece was kept
