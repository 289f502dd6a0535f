"""Unfinished uploads cannot lock reporters out (issue 8: no quota on open uploads).

Unfinished resumable uploads used to share one disk floor with every submission: pieces
sized to land just above it made every later submission a 507, for the days the sessions
lived. Now open uploads hold at most a quota, expired sessions go as soon as the quota is
reached, and files must leave a text reserve above the floor that only text-only
submissions may use. The real tests run gunicorn with its home on a small tmpfs.

The promise: docs/THREAT_MODEL.md P8 (open uploads hold at most a quota and may not use the
text reserve above the disk floor).
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from crypto import envelope, receipt
from crypto.encoding import b64u_encode
from crypto.keys import KeyPair, raw_public
from tests.servers import IntakeNode, clean_env
from vault.models import Upload

from ..conftest import Org, csrf_of, make_home
from ..helpers import report_fields

MiB = 1 << 20
FLOOR = 8 * MiB
RESERVE = 8 * MiB


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 48 MiB tmpfs for the server home (root can mount one; the CI machine runs as root)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=48m,mode=0700", "tmpfs", str(mnt)],
        check=True,
        capture_output=True,
    )
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=True)


class Client:
    """A fresh session (cookie + CSRF token) on a real server, as each flooding client has."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        _, headers, page = self.send("GET", "/submit")
        self.cookie = headers.get("Set-Cookie", "").split(";")[0]
        self.csrf = page.decode().split('name="csrf-token" content="')[1].split('"')[0]

    def send(
        self, method: str, path: str, body: bytes | None = None, **headers: str
    ) -> tuple[int, dict[str, str], bytes]:
        if hasattr(self, "cookie"):
            headers = {"Cookie": self.cookie, "X-CSRF-Token": self.csrf, **headers}
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()

    def json(self, path: str, obj: dict[str, Any], **headers: str) -> tuple[int, Any]:
        status, _, body = self.send(
            "POST",
            path,
            json.dumps(obj).encode(),
            **{"Content-Type": "application/json", **headers},
        )
        return status, json.loads(body)


def _header_piece(org: Org, size: int) -> bytes:
    """``size`` bytes that begin with a real envelope header naming the reviewers."""
    head = envelope.seal(b"x" * 1000, [kp.public.encryption for kp in org.reviewers.values()])
    return (head + os.urandom(size))[:size]


def _flood(port: int, org: Org, *, declared: int = 8 * MiB, uploads: int = 40) -> int:
    """Open uploads from fresh sessions and fill them all but their last byte (a completed
    upload of junk is refused and dropped), shrinking the pieces when refused, the way an
    attacker lands just above a floor. Returns the bytes the server accepted."""
    accepted = 0
    for _ in range(uploads):
        c = Client(port)
        status, info = c.json("/api/uploads", {"size": declared})
        if status == 507:
            declared //= 2  # a smaller upload may still fit
            if declared < 4096:
                break
            continue
        assert status == 201, info
        tok = {"X-Upload-Token": info["token"], "Content-Type": "application/octet-stream"}
        offset, piece = 0, MiB
        while offset < declared - 1 and piece >= 4096:
            size = min(piece, declared - 1 - offset)
            data = _header_piece(org, size) if offset == 0 else os.urandom(size)
            status, _, body = c.send(
                "PUT", f"/api/uploads/{info['id']}?offset={offset}", data, **tok
            )
            if status == 200:
                offset = json.loads(body)["offset"]
            else:
                assert status == 507, body[:200]
                piece //= 2
        accepted += offset
    return accepted


def _text_submissions_work(port: int, org: Org) -> None:
    """A no-JS text-only report and a browser-sealed inline report are both accepted."""
    c = Client(port)
    boundary = "quotaBoundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, vs in report_fields(c.csrf).items()
        for v in (vs if isinstance(vs, list) else [vs])
    ]
    body = ("".join(parts) + f"--{boundary}--\r\n").encode()
    ctype = f"multipart/form-data; boundary={boundary}"
    status, _, page = c.send("POST", "/submit", body, **{"Content-Type": ctype})
    assert status == 200 and b'id="receipt"' in page, page[:300]
    reply = KeyPair.generate().public.encryption
    to = [kp.public.encryption for kp in org.reviewers.values()]
    sealed = envelope.seal(b'{"v":1}' * 100, to)
    status, answer = c.json(
        "/api/reports",
        {
            "lookup_id": b64u_encode(receipt.derive(receipt.generate()).lookup_id),
            "reply_public": b64u_encode(raw_public(reply)),
            "report": b64u_encode(sealed),
            "evidence": [],
        },
    )
    assert status == 201, answer


def _serve(home: Path, logs: Path, **env: str) -> IntakeNode:
    """The intake on ``home`` with the test's floor and reserve; its logs in ``logs`` (off the
    small disk, whose free space the tests measure)."""
    limits = {"BISIK_MIN_FREE_BYTES": str(FLOOR), "BISIK_TEXT_RESERVE_BYTES": str(RESERVE)}
    return IntakeNode("quota", home, clean_env() | limits | env, threads=2, logs=logs)


@pytest.mark.slow
def test_open_uploads_cannot_push_text_submissions_off_the_disk(tmpfs: Path, org: Org) -> None:
    home = make_home(tmpfs / "server", org)
    quota = str(1 << 30)  # the disk binds first
    with _serve(home, tmpfs.parent / "logs", BISIK_UPLOAD_QUOTA_BYTES=quota) as server:
        port = server.port
        accepted = _flood(port, org)
        assert accepted > 8 * MiB  # the flood got going
        free = shutil.disk_usage(home).free
        assert free >= FLOOR + RESERVE - 4096, "pieces ate into the text reserve"
        _text_submissions_work(port, org)
        assert shutil.disk_usage(home).free >= FLOOR


@pytest.mark.slow
def test_open_uploads_stop_at_the_quota(tmpfs: Path, org: Org) -> None:
    home = make_home(tmpfs / "server", org)
    with _serve(home, tmpfs.parent / "logs", BISIK_UPLOAD_QUOTA_BYTES=str(12 * MiB)) as server:
        port = server.port
        accepted = _flood(port, org, declared=2 * MiB)
        assert 11 * MiB < accepted <= 12 * MiB
        held = sum(p.stat().st_size for p in (home / "uploads").iterdir())
        assert held <= 12 * MiB
        assert shutil.disk_usage(home).free > FLOOR + RESERVE  # the quota bound, not the disk
        _text_submissions_work(port, org)


def test_expired_uploads_make_room_when_the_quota_is_reached(
    make_app: Callable[..., Flask], org: Org, home: Path
) -> None:
    app = make_app(upload_quota_bytes=3 * MiB)
    client = app.test_client()
    h = {"X-CSRF-Token": csrf_of(client)}

    def open_and_fill() -> int:
        # one byte more than is sent: the session stays open (complete, it would be checked)
        info = client.post("/api/uploads", json={"size": 2 * MiB + 1}, headers=h)
        if info.status_code != 201:
            return info.status_code
        tok = {**h, "X-Upload-Token": info.get_json()["token"]}
        r = client.put(
            f"/api/uploads/{info.get_json()['id']}?offset=0",
            data=_header_piece(org, 2 * MiB),
            headers=tok,
            content_type="application/octet-stream",
        )
        return r.status_code

    assert open_and_fill() == 200
    assert open_and_fill() == 507  # 2 + 2 MiB would pass the 3 MiB quota
    vault = app.extensions["bisik"].vault
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    with vault.engine.begin() as conn:  # as if the session's last day had passed
        conn.execute(update(Upload).values(expires_on=yesterday))
    assert open_and_fill() == 200  # the expired session went first
    assert len(list((home / "uploads").iterdir())) == 1
    assert vault.open_upload_bytes() == 2 * MiB + 1
