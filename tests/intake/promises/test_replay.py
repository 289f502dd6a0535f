"""Replays must never destroy stored reports (issue 8, High: data loss by replay).

A refused ``POST /api/reports`` (an existing lookup id) used to delete the request's blob by
content address. When the body was byte-identical to a stored envelope — the same request
sent again, or an evidence envelope copied out of an export bundle, no keys needed — the
*stored* envelope went, and every later export and backup failed. These tests attack a real
gunicorn with exactly those requests, then export, back up and open the original case.

The promise: docs/THREAT_MODEL.md P8 (a replayed request, or an envelope copied out of an
export bundle, never removes a stored envelope).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crypto import document, envelope, receipt
from crypto.directory import verify_directory
from crypto.encoding import b64u_encode
from crypto.keys import KeyPair, load_ed25519_public, raw_public
from intake import cli
from tests.servers import IntakeNode, clean_env
from vault.bundle import read_export

from ..conftest import Org
from ..helpers import Http

pytestmark = pytest.mark.slow


@pytest.fixture
def server(home: Path) -> Iterator[int]:
    with IntakeNode("replay", home, clean_env(), threads=2) as node:
        yield node.port


def _browser_report(org: Org, lookup_id: bytes) -> dict[str, Any]:
    """A report the way the browser makes one: sealed to the reviewers, lookup id derived."""
    reply = KeyPair.generate()
    doc = document.Document(
        type="report",
        submitted_at=document.now(),
        channel="browser",
        fields={"category": "mobilisation", "description": "Rapat dinas untuk calon."},
        reply_key=b64u_encode(raw_public(reply.public.encryption)),
        evidence=[],
        consent={"authorities": []},
    )
    sealed = envelope.seal(doc.to_bytes(), [kp.public.encryption for kp in org.reviewers.values()])
    return {
        "lookup_id": b64u_encode(lookup_id),
        "reply_public": b64u_encode(raw_public(reply.public.encryption)),
        "report": b64u_encode(sealed),
        "evidence": [],
    }


def _export(home: Path, out: Path) -> list[tuple[str, str, bytes]]:
    """``bisik-server export --since 0`` and the (type, sha256, bytes) of each envelope in it."""
    assert cli.main(["--home", str(home), "export", "--since", "0", "--out", str(out)]) == 0
    root = load_ed25519_public((home / "org" / "root.pub").read_bytes())
    today = dt.datetime.now(dt.UTC).date()
    directory = verify_directory((home / "org" / "directory.json").read_bytes(), root, today)
    with read_export(out, directory) as bundle:
        return [
            (i.extra["type"], i.sha256, i.read_bytes())
            for i in bundle.items()
            if i.kind == "envelope"
        ]


def _check_whole(home: Path, tmp: Path, org: Org, want: dict[str, bytes]) -> None:
    """Export and backup still work, and every stored envelope still opens."""
    items = _export(home, tmp / "after.bundle")
    found = {sha: data for _, sha, data in items}
    for sha, data in want.items():
        assert found.get(sha) == data, "a stored envelope is gone or changed"
        assert hashlib.sha256((home / "blobs" / sha[:2] / sha).read_bytes()).hexdigest() == sha
        envelope.unseal(data, org.reviewers["ani"].encryption)  # still opens
    assert cli.main(["--home", str(home), "backup", "--out", str(tmp / "b.tar")]) == 0
    with tarfile.open(tmp / "b.tar") as tar:
        names = set(tar.getnames())
    assert {f"blobs/{sha}" for sha in want} <= names


def test_replayed_report_request_keeps_the_stored_envelope(
    server: int, home: Path, org: Org, tmp_path: Path
) -> None:
    client = Http(server)
    lookup_id = receipt.derive(receipt.generate()).lookup_id
    body = _browser_report(org, lookup_id)
    assert client.api("/api/reports", body)[0] == 201
    stored = {sha: data for _, sha, data in _export(home, tmp_path / "before.bundle")}
    assert len(stored) == 1
    for _ in range(2):  # the same request again, byte for byte
        status, answer = client.api("/api/reports", body)
        assert (status, answer["error"]) == (409, "error.duplicate")
    _check_whole(home, tmp_path, org, stored)


def test_envelopes_copied_from_an_export_bundle_cannot_delete_the_case(
    server: int, home: Path, org: Org, tmp_path: Path
) -> None:
    client = Http(server)
    victim = client.nojs_report(os.urandom(150_000))
    assert receipt.normalize(victim)
    before = _export(home, tmp_path / "before.bundle")
    assert sorted(t for t, _, _ in before) == ["evidence", "report"]
    # the attacker's own case, then its lookup id again with each envelope of the bundle
    attacker = receipt.derive(receipt.generate()).lookup_id
    assert client.api("/api/reports", _browser_report(org, attacker))[0] == 201
    for _, _, data in before:
        copied = {**_browser_report(org, attacker), "report": b64u_encode(data)}
        status, answer = client.api("/api/reports", copied)
        assert (status, answer["error"]) == (409, "error.duplicate")
    _check_whole(home, tmp_path, org, {sha: data for _, sha, data in before})
    # the victim still sees the case
    status, _, page = client.send(
        "POST",
        "/followup",
        f"csrf_token={client.csrf}&receipt={victim}".encode(),
        **{"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 200, page[:200]
