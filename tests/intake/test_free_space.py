"""The disk-space floor (``intake.free_space``): nothing is accepted, and nothing of a refused
body is kept, when it would leave less than ``min_free_bytes`` free.

Regression F5 of the intake audit (docs/AUDIT-intake.md): nothing kept the disk from filling
(uploads, pieces, no-JS bodies).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from crypto import envelope
from intake import config as cfg

from .conftest import Org, csrf_of, reviewer_keys
from .helpers import blob_files, case_count, report_fields, with_files

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _no_room(home: Path) -> int:
    return shutil.disk_usage(home).free + (1 << 40)


def test_upload_refused_when_disk_would_fill(
    make_app: Callable[..., Flask], home: Path, org: Org
) -> None:
    """F5: a resumable upload and its pieces are refused (507) once the floor is not met."""
    app = make_app()
    client = app.test_client()
    csrf = csrf_of(client)
    h = {"X-CSRF-Token": csrf}
    data = envelope.seal(os.urandom(5000), reviewer_keys(org))
    start = client.post("/api/uploads", json={"size": len(data)}, headers=h)
    assert start.status_code == 201  # control: room enough with the default floor
    info = start.get_json()
    state = app.extensions["bisik"]
    state.config = cfg.with_overrides(state.config, min_free_bytes=_no_room(home))
    refused_start = client.post("/api/uploads", json={"size": len(data)}, headers=h)
    assert refused_start.status_code == 507
    piece = client.put(
        f"/api/uploads/{info['id']}?offset=0",
        data=data,
        headers={**h, "X-Upload-Token": info["token"]},
        content_type="application/octet-stream",
    )
    assert piece.status_code == 507
    offset = client.get(f"/api/uploads/{info['id']}", headers={"X-Upload-Token": info["token"]})
    assert offset.get_json()["offset"] == 0  # nothing of the refused piece was stored


def test_nojs_submit_refused_when_disk_would_fill(
    make_app: Callable[..., Flask], home: Path
) -> None:
    """F5: a no-JS submission is refused (507) with no receipt, no case and no blob kept."""
    app = make_app(min_free_bytes=_no_room(home))
    client = app.test_client()
    data = with_files(report_fields(csrf_of(client)), {"evidence_1": (b"D" * 10_000, "a.jpg")})
    r = client.post("/submit", data=data, content_type="multipart/form-data")
    assert r.status_code == 507
    assert 'id="receipt"' not in r.get_data(as_text=True)
    assert case_count(app) == 0
    assert blob_files(home) == []
