"""Reading back what the service stored: what it left on disk and in the vault, and (the way
a reviewer would, with a private key) what the sealed blobs hold."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from crypto import document, envelope, receipt
from crypto.keys import KeyPair
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
