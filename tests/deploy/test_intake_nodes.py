"""Two intake nodes that share nothing but PostgreSQL and Redis (issue 12, scale-out).

Each node is gunicorn with deploy/gunicorn.conf.py on its own copy of one server home (same
secrets and organisation, as an operator copies them to each machine), with
``BISIK_BLOB_STORE=database``: envelopes and upload pieces are rows of one PostgreSQL database
made for this module on the shared server (127.0.0.1:5432), and the request budgets live in
one Redis of the module's own (a real redis-server on loopback). Nothing else is shared: the
nodes' homes hold no blob, no upload and no database file.

The reporter's side is the JavaScript path's protocol (intake/api) spoken by Python, with the
browser's sealing done by the reference library; the reviewer's side is the real
``bisik-server export`` against the shared database and ``bisik-reviewer import`` on a
reviewer home.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crypto import document, envelope, receipt
from crypto.encoding import b64u_encode
from crypto.keys import raw_public
from intake import demo
from tests.demo_org import make_demo, reviewer
from tests.intake.helpers import report_fields
from tests.servers import IntakeNode, OwnRedis, intake_nodes, own_database
from vault.store import Vault
from vault.transfer import load_directory

pytestmark = pytest.mark.slow

MARKER = "LAPORAN-DUA-NODE"
RECEIPT_BUDGET = 4  # receipt_session per hour on these nodes (the default is 20)
PIECE = 256 * 1024
BOUNDARY = "twoNodesBoundary"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
BIN = Path(sys.executable).parent


@dataclass
class Cluster:
    org: demo.Demo
    nodes: list[IntakeNode]
    db_url: str
    base: Path


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    base = tmp_path_factory.mktemp("nodes")
    org = make_demo(base / "demo")
    toml = org.server_home / "server.toml"
    text = toml.read_text()
    assert 'receipt_session = "20/hour"' in text
    toml.write_text(
        text.replace('receipt_session = "20/hour"', f'receipt_session = "{RECEIPT_BUDGET}/hour"')
    )
    redis = OwnRedis()
    redis.start()
    try:
        with (
            own_database() as db_url,
            intake_nodes(org.server_home, base, db_url=db_url, redis_url=redis.url) as nodes,
        ):
            yield Cluster(org, nodes, db_url, base)
    finally:
        redis.stop()


class Reporter:
    """One browser session (cookie, CSRF token), talking to whichever node Tor picked."""

    def __init__(self, node: IntakeNode) -> None:
        self.cookie = ""
        self.csrf = ""
        status, headers, page = self.send(node, "GET", "/submit")
        assert status == 200
        self.cookie = headers.get("Set-Cookie", "").split(";")[0]
        self.csrf = page.decode().split('name="csrf-token" content="')[1].split('"')[0]

    def nojs_report(self, node: IntakeNode, evidence: bytes) -> str:
        """The report form with one file, posted as a browser with JavaScript off does (a
        fresh form: every hidden field, single-use token included); the receipt shown."""
        _, _, page = self.send(node, "GET", "/submit")
        hidden = HIDDEN.findall(page.decode())
        fields = [
            (k, v)
            for k, vs in report_fields(self.csrf).items()
            for v in (vs if isinstance(vs, list) else [vs])
        ]
        fields += [(k, v) for k, v in hidden if k != "csrf_token"]
        body = "".join(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
            for k, v in fields
        ).encode()
        body += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="evidence_1"; '
            'filename="foto.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode()
        body += evidence + f"\r\n--{BOUNDARY}--\r\n".encode()
        status, _, answer = self.send(
            node,
            "POST",
            "/submit",
            body,
            **{"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        )
        assert status == 200, answer[:300]
        return answer.decode().split('id="receipt"')[1].split(">")[1].split("<")[0].strip()

    def send(
        self, node: IntakeNode, method: str, path: str, body: bytes | None = None, **headers: str
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=60)
        try:
            if self.cookie:
                headers = {"Cookie": self.cookie, "X-CSRF-Token": self.csrf, **headers}
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    def api(self, node: IntakeNode, path: str, obj: dict[str, Any]) -> tuple[int, Any]:
        status, _, body = self.send(
            node, "POST", path, json.dumps(obj).encode(), **{"Content-Type": "application/json"}
        )
        return status, json.loads(body)

    def start_upload(self, node: IntakeNode, size: int) -> dict[str, Any]:
        status, info = self.api(node, "/api/uploads", {"size": size})
        assert status == 201, info
        return dict(info)

    def put(self, node: IntakeNode, up: dict[str, Any], offset: int, data: bytes) -> int:
        status, _, body = self.send(
            node,
            "PUT",
            f"/api/uploads/{up['id']}?offset={offset}",
            data,
            **{"X-Upload-Token": up["token"], "Content-Type": "application/octet-stream"},
        )
        assert status == 200, body[:300]
        return int(json.loads(body)["offset"])

    def have(self, node: IntakeNode, up: dict[str, Any]) -> list[list[int]]:
        status, _, body = self.send(
            node, "GET", f"/api/uploads/{up['id']}", **{"X-Upload-Token": up["token"]}
        )
        assert status == 200, body[:300]
        return list(json.loads(body)["have"])

    def finish(self, node: IntakeNode, up: dict[str, Any]) -> dict[str, Any]:
        status, _, body = self.send(
            node,
            "POST",
            f"/api/uploads/{up['id']}/finish",
            b"{}",
            **{"X-Upload-Token": up["token"], "Content-Type": "application/json"},
        )
        assert status == 200, body[:300]
        return dict(json.loads(body))


def _sealed_evidence(org: demo.Demo, size: int) -> tuple[bytes, bytes]:
    plain = os.urandom(size)
    return plain, envelope.seal(plain, load_directory(org.server_home).recipients())


def _report(
    org: demo.Demo,
    code: str,
    evidence: list[tuple[dict[str, Any], int, bytes]],
) -> dict[str, Any]:
    """The body of ``POST /api/reports`` as the browser makes it (receipt ``code``)."""
    sec = receipt.derive(code)
    doc = document.Document(
        type="report",
        submitted_at=document.now(),
        channel="browser",
        fields={"category": "mobilisation", "description": MARKER},
        reply_key=b64u_encode(raw_public(sec.reply_public)),
        evidence=[
            document.Evidence(
                done["sha256"],
                f"bukti-{i}.bin",
                "application/octet-stream",
                size,
                envelope_mac=_mac(sealed),
            )
            for i, (done, size, sealed) in enumerate(evidence)
        ],
    )
    return {
        "lookup_id": b64u_encode(sec.lookup_id),
        "reply_public": b64u_encode(raw_public(sec.reply_public)),
        "report": b64u_encode(
            envelope.seal(doc.to_bytes(), load_directory(org.server_home).recipients())
        ),
        "evidence": [done for done, _, _ in evidence],
    }


def _mac(sealed: bytes) -> str:
    return envelope.header_mac(io.BytesIO(sealed)).hex()


def _lookup(reporter: Reporter, node: IntakeNode, code: str) -> int:
    lookup = b64u_encode(receipt.derive(code).lookup_id)
    return reporter.api(node, "/api/case", {"lookup_id": lookup})[0]


def _server_cli(cluster: Cluster, *args: str) -> str:
    """``bisik-server`` as the operator runs it on a node (the shared database, no local
    blobs); stdout."""
    node = cluster.nodes[1]
    env = {k: v for k, v in node.env.items() if k != "BISIK_LISTEN"}
    cmd = [str(BIN / "bisik-server"), "--home", str(node.home), *args]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _reviewer(cluster: Cluster, *args: str) -> str:
    """``bisik-reviewer`` for reviewer ani, as a separate process; its stdout."""
    return reviewer(cluster.org, "ani", *args)


def _upload_across(reporter: Reporter, nodes: list[IntakeNode], sealed: bytes) -> dict[str, Any]:
    """Start on the first node, send the pieces alternately to both, finish on the second."""
    up = reporter.start_upload(nodes[0], len(sealed))
    offsets = list(range(0, len(sealed), PIECE))
    for n, off in enumerate(reversed(offsets)):  # out of order, as several in flight arrive
        reporter.put(nodes[n % 2], up, off, sealed[off : off + PIECE])
    return reporter.finish(nodes[1], up)


def test_a_report_started_on_one_node_finishes_on_the_other(
    cluster: Cluster, tmp_path: Path
) -> None:
    one, two = cluster.nodes
    reporter = Reporter(one)
    plain, sealed = _sealed_evidence(cluster.org, 3 * PIECE + 1000)
    done = _upload_across(reporter, [one, two], sealed)
    assert done["sha256"] == hashlib.sha256(sealed).hexdigest()
    code = receipt.generate()
    body = _report(cluster.org, code, [(done, len(plain), sealed)])
    status, answer = reporter.api(one, "/api/reports", body)
    assert status == 201, answer
    assert _lookup(reporter, two, code) == 200  # the other node opens the case
    for node in cluster.nodes:  # nothing of the report on a node's disk
        assert not list((node.home).glob("blobs/*/*")) and not list(node.home.glob("*.sqlite"))

    # the operator exports from the shared database; the reviewer imports and reads it
    export = tmp_path / "export.bisik"
    _server_cli(cluster, "export", "--since", "0", "--out", str(export))
    _reviewer(cluster, "import", str(export))
    with Vault.open(cluster.db_url, tmp_path / "reader", blob_store="database") as shared:
        (case_id,) = {item.case_id for item in shared.items_since(0)}
    assert case_id[:6] in _reviewer(cluster, "list")
    assert MARKER in _reviewer(cluster, "show", case_id)
    out = tmp_path / "originals"
    _reviewer(cluster, "evidence", case_id, "--out", str(out), "--original")
    # not a type the tool can clean: given out as it came, marked so
    assert [p.read_bytes() for p in out.glob("*.NOT-CLEANED")] == [plain]


def test_rate_budgets_hold_across_nodes(cluster: Cluster) -> None:
    """A session spends one receipt budget whichever node it reaches (Redis is shared);
    with per-node counters it would get RECEIPT_BUDGET on each."""
    one, two = cluster.nodes
    reporter = Reporter(one)
    answers = [
        _lookup(reporter, cluster.nodes[i % 2], receipt.generate())
        for i in range(RECEIPT_BUDGET + 2)
    ]
    assert answers[:RECEIPT_BUDGET] == [404] * RECEIPT_BUDGET
    assert answers[RECEIPT_BUDGET:] == [429, 429]
    assert _lookup(Reporter(two), two, receipt.generate()) == 404  # another session: its own


def test_a_node_killed_mid_upload_loses_nothing_and_the_upload_resumes_on_the_other(
    cluster: Cluster,
) -> None:
    one, two = cluster.nodes
    reporter = Reporter(one)
    # an accepted report, through the node about to die
    accepted = receipt.generate()
    status, _ = reporter.api(one, "/api/reports", _report(cluster.org, accepted, []))
    assert status == 201
    # a second report's evidence: half sent to that node, then a piece in flight as it dies
    plain, sealed = _sealed_evidence(cluster.org, 8 * PIECE)
    up = reporter.start_upload(one, len(sealed))
    for off in range(0, 4 * PIECE, PIECE):
        reporter.put(one, up, off, sealed[off : off + PIECE])
    in_flight = threading.Thread(target=_slow_piece, args=(one, reporter, up, sealed))
    in_flight.start()
    time.sleep(0.5)
    one.kill()
    in_flight.join(timeout=30)
    try:
        have = reporter.have(two, up)  # what the other node says is stored
        assert have and have[0][0] == 0 and have[0][1] >= 4 * PIECE
        for off in range(0, len(sealed), PIECE):  # resend what is missing, on the other node
            if not any(a <= off and off + PIECE <= b for a, b in have):
                reporter.put(two, up, off, sealed[off : off + PIECE])
        done = reporter.finish(two, up)
        assert done["sha256"] == hashlib.sha256(sealed).hexdigest()
        second = receipt.generate()
        body = _report(cluster.org, second, [(done, len(plain), sealed)])
        status, _ = reporter.api(two, "/api/reports", body)
        assert status == 201
        assert _lookup(Reporter(two), two, accepted) == 200  # the accepted report survived
    finally:
        one.start()  # the module's other tests keep two nodes


def test_a_no_js_report_is_sealed_into_the_database_and_found_on_the_other_node(
    cluster: Cluster,
    tmp_path: Path,
) -> None:
    """The no-JS path streams the file through the Sealer into database rows (no file on the
    node), and the receipt opens the case through the other node."""
    one, two = cluster.nodes
    evidence = os.urandom(3 * (1 << 20) + 777)
    code = Reporter(two).nojs_report(two, evidence)
    assert _lookup(Reporter(one), one, code) == 200
    for node in cluster.nodes:
        assert not list(node.home.glob("blobs/*/*")) and not list(node.home.glob("tmp/*"))
    with Vault.open(cluster.db_url, tmp_path / "reader", blob_store="database") as shared:
        sizes = [shared.blobs.size(sha) for sha in shared.blobs.iter_shas()]
    assert any(size > len(evidence) for size in sizes)  # the sealed file, padded


def _slow_piece(node: IntakeNode, reporter: Reporter, up: dict[str, Any], sealed: bytes) -> None:
    """Send the next piece slowly (the node dies before it is complete); errors expected."""
    off = 4 * PIECE
    body = (
        f"PUT /api/uploads/{up['id']}?offset={off} HTTP/1.1\r\nHost: x\r\n"
        f"Cookie: {reporter.cookie}\r\nX-CSRF-Token: {reporter.csrf}\r\n"
        f"X-Upload-Token: {up['token']}\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {PIECE}\r\n\r\n"
    )
    try:
        with socket.create_connection(("127.0.0.1", node.port), timeout=10) as s:
            s.sendall(body.encode())
            piece = sealed[off : off + PIECE]
            for i in range(0, len(piece), 16384):
                s.sendall(piece[i : i + 16384])
                time.sleep(0.1)
    except OSError:
        pass
