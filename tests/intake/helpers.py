"""Shared helpers for the intake tests (and the benches and deploy tests that drive intake).

* a valid report form, as the browser would send it (text fields first, files last):
  :func:`report_fields`, :func:`with_files`;
* clients: :class:`Api` over the Flask test client (the JSON API with the session's CSRF
  token), :class:`Http`, one keep-alive connection to a real server;
* reading back what the service stored: what it left on disk and in the vault, and (the way a
  reviewer would, with a private key) what the sealed blobs hold.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import json
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from crypto import document, envelope, receipt
from crypto.keys import KeyPair
from intake.forms import election_years
from vault.entries import CaseHistory

from .conftest import csrf_of


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


class Api:
    """A tiny client for /api with the session's CSRF token."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.csrf = csrf_of(client, "/submit")

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        h = {"X-CSRF-Token": self.csrf, **headers}
        if isinstance(body, bytes):
            return self.client.open(
                path, method=method, data=body, headers=h, content_type="application/octet-stream"
            )
        return self.client.open(path, method=method, json=body, headers=h)

    def send(self, data: bytes, piece: int = 1 << 16) -> Any:
        """Open an upload, send ``data`` in pieces, and return the server's answer to the
        piece that completed it, which finishes it (as a browser does)."""
        start = self.call("POST", "/api/uploads", {"size": len(data)})
        assert start.status_code == 201, start.get_data(as_text=True)
        info = start.get_json()
        tok = {"X-Upload-Token": info["token"]}
        for off in range(0, len(data), piece):
            r = self.call(
                "PUT", f"/api/uploads/{info['id']}?offset={off}", data[off : off + piece], **tok
            )
            if off + piece >= len(data):
                return r  # the completing piece: the finished blob, or why it was refused
            assert r.status_code == 200, r.get_json()
        raise AssertionError("no data to send")

    def upload(self, data: bytes, piece: int = 1 << 16) -> dict[str, Any]:
        done = self.send(data, piece)
        assert done.status_code == 200, done.get_json()
        # the server hashes what it stored; the client sends no hash of its own
        assert done.get_json()["sha256"] == hashlib.sha256(data).hexdigest()
        assert done.get_json()["size"] == len(data)
        return dict(done.get_json())


class Http:
    """One keep-alive connection with the session cookie and CSRF token of a real page."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        status, headers, page = self.send("GET", "/submit")
        assert status == 200
        self.cookie = headers.get("Set-Cookie", "").split(";")[0]
        self.csrf = page.decode().split('name="csrf-token" content="')[1].split('"')[0]

    def send(
        self, method: str, path: str, body: bytes | None = None, **headers: str
    ) -> tuple[int, dict[str, str], bytes]:
        if getattr(self, "cookie", None):
            headers = {"Cookie": self.cookie, **headers}
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()

    def api(self, path: str, obj: dict[str, Any]) -> tuple[int, Any]:
        status, _, body = self.send(
            "POST",
            path,
            json.dumps(obj).encode(),
            **{"Content-Type": "application/json", "X-CSRF-Token": self.csrf},
        )
        return status, json.loads(body)

    def nojs_report(self, evidence: bytes) -> str:
        boundary = "replayTestBoundary"
        parts = []
        for k, vs in report_fields(self.csrf).items():
            for v in vs if isinstance(vs, list) else [vs]:
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                )
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="evidence_1"; '
            'filename="foto.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        )
        body = ("".join(parts) + head).encode() + evidence + f"\r\n--{boundary}--\r\n".encode()
        status, _, page = self.send(
            "POST", "/submit", body, **{"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
        assert status == 200, page[:300]
        return page.decode().split('id="receipt"')[1].split(">")[1].split("<")[0].strip()
