"""Reading back what the service stored, the way a reviewer would: with a private key."""

from __future__ import annotations

from flask import Flask

from crypto import document, envelope, receipt
from crypto.keys import KeyPair
from vault.store import CaseHistory


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
