"""Shared helpers for the intake tests (and the benches and deploy tests that drive intake).

* a valid report form, as the browser would send it (text fields first, files last):
  :func:`report_fields`, :func:`with_files`;
* reading back what the service stored: what it left on disk and in the vault, and (the way a
  reviewer would, with a private key) what the sealed blobs hold.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from flask import Flask

from crypto import document, envelope, receipt
from crypto.keys import KeyPair
from intake.forms import election_years
from vault.entries import CaseHistory


def history_of(app: Flask, code: str) -> CaseHistory:
    state = app.extensions["bisik"]
    secrets = receipt.derive(code)
    case = state.vault.case_by_lookup(receipt.lookup_tag(state.secrets.pepper, secrets.lookup_id))
    assert case is not None
    return state.vault.case_history(case.id)


def open_blob(app: Flask, sha: str, key: KeyPair) -> bytes:
    with app.extensions["bisik"].vault.blobs.open(sha) as fh:
        return envelope.unseal(fh.read(), key.encryption)


def report_of(app: Flask, code: str, key: KeyPair) -> document.Document:
    hist = history_of(app, code)
    report = hist.entries[0]
    assert report.kind == "report" and report.blob is not None
    return document.parse(open_blob(app, report.blob.sha256, key))


def blob_files(home: Path) -> list[Path]:
    """The blobs stored under ``home`` (the blob store's own tmp/ left out)."""
    blobs = home / "blobs"
    return [p for p in blobs.rglob("*") if p.is_file() and p.parent.name != "tmp"]


def case_count(app: Flask) -> int:
    """How many items the vault has sequenced: 0 while no case was created."""
    return app.extensions["bisik"].vault.last_seq()


def report_fields(csrf: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "csrf_token": csrf,
        "category": "mobilisation",
        "description": "Kepala dinas mengumpulkan staf dan meminta dukungan untuk calon.",
        "election": "pilkada",
        "election_year": election_years()[1],
        "province": "Lampung",
        "regency": "Kabupaten Contoh",
        "agency_kind": "regency",
        "incident_month": "10",
        "incident_year": str(int(election_years()[1]) - 1),  # last year: never a future month
        "reported_position": "Kepala Dinas",
        "recipient": ["ani", "budi"],
        "consent_authority": ["bawaslu", "bkn"],
        "share": ["1"],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def with_files(data: dict[str, Any], files: dict[str, tuple[bytes, str]]) -> dict[str, Any]:
    out = dict(data)
    for field, (content, name) in files.items():
        out[field] = (io.BytesIO(content), name)
    return out
