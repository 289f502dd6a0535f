"""Budgets per Tor circuit (intake.circuit): a client that throws its session away still
spends its circuit's budget; other circuits and loopback clients are not touched; and real
gunicorn reads the PROXY line tor sends (deploy/tor/torrc.template) without ever printing it."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from crypto import receipt
from intake.circuit import circuit_id
from intake.config import Limits
from tests.servers import IntakeNode, clean_env

from .conftest import csrf_of

CIRCUIT_7 = "fc00:dead:beef:4dad::0:7"  # what tor exports for global circuit id 7
CIRCUIT_8 = "fc00:dead:beef:4dad::0:8"


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("fc00:dead:beef:4dad::ffff:ffff", 0xFFFFFFFF),
        (CIRCUIT_7, 7),
        ("127.0.0.1", None),
        ("::1", None),
        ("fc00:dead:beef:4dae::7", None),  # outside tor's prefix
        ("fc00:dead:beef:4dad:1::7", None),  # inside the /64 but not the /96
        ("", None),
        (None, None),
        ("not an address", None),
    ],
)
def test_circuit_id_only_from_tors_prefix(remote: str | None, expected: int | None) -> None:
    assert circuit_id(remote) == expected


def _guess(client: FlaskClient, remote: str) -> int:
    token = csrf_of(client, "/followup")
    return client.post(
        "/followup",
        data={"csrf_token": token, "receipt": receipt.generate()},
        environ_base={"REMOTE_ADDR": remote},
    ).status_code


def test_new_sessions_on_one_circuit_share_its_budget(make_app) -> None:  # type: ignore[no-untyped-def]
    """Issue 8: a fresh cookie per request escaped the per-session budget and could only be
    stopped by the global one (which locks everyone out); the circuit's budget stops it."""
    app = make_app(limits=Limits(receipt_circuit="3/hour"))
    codes = [_guess(app.test_client(), CIRCUIT_7) for _ in range(4)]
    assert codes == [404, 404, 404, 429]
    assert _guess(app.test_client(), CIRCUIT_8) == 404  # another circuit: its own budget
    assert _guess(app.test_client(), "127.0.0.1") == 404  # not over tor: no circuit budget


def test_submissions_are_limited_per_circuit(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(limits=Limits(submit_circuit="1/hour"))

    def submit(remote: str) -> int:
        client = app.test_client()
        return client.post(
            "/submit",
            data={"csrf_token": csrf_of(client)},
            content_type="multipart/form-data",
            environ_base={"REMOTE_ADDR": remote},
        ).status_code

    assert [submit(CIRCUIT_7), submit(CIRCUIT_7), submit(CIRCUIT_8)] == [400, 429, 400]


@pytest.mark.slow
def test_gunicorn_reads_tors_proxy_line_and_prints_nothing_of_it(home: Path) -> None:
    with IntakeNode("circuit", home, clean_env()) as node:
        for preface in (f"PROXY TCP6 {CIRCUIT_7} ::1 80 {node.port}\r\n".encode(), b""):
            with socket.create_connection(("127.0.0.1", node.port), timeout=30) as conn:
                conn.sendall(preface + b"GET /submit HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                head = conn.recv(64)
            assert head.startswith(b"HTTP/1.1 200"), head
    printed = node.printed()  # gunicorn's error log, the app's log, stdout and stderr
    assert printed  # the logs were written where they are read
    assert "dead:beef" not in printed and "PROXY" not in printed


PEER = {
    "REMOTE_ADDR": "203.0.113.9",
    "REMOTE_PORT": "51515",
    "HTTP_USER_AGENT": "Mozilla/5.0 marker-browser",
    "HTTP_X_FORWARDED_FOR": "198.51.100.7",
    "HTTP_FORWARDED": "for=198.51.100.7",
    "HTTP_X_REAL_IP": "198.51.100.7",
}


def _seen_by_flask(app, environ: dict[str, str]) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The environ a view sees for a request with ``environ``'s peer keys."""
    seen: dict[str, object] = {}

    def record() -> str:
        from flask import request

        seen.update(request.environ)
        return "ok"

    app.add_url_rule("/peer-seen", "peer_seen", record)
    assert app.test_client().get("/peer-seen", environ_base=environ).status_code == 200
    return seen


def test_no_view_can_read_the_peer_or_browser_string(make_app) -> None:  # type: ignore[no-untyped-def]
    """The outermost WSGI layer (intake.circuit.PeerScrub) removes the address, port, browser
    string and forwarded-for headers before Flask runs: a view, an extension or an error
    handler added later cannot log what is no longer there."""
    seen = _seen_by_flask(make_app(), PEER)
    assert not set(PEER) & set(seen)
    assert "bisik.circuit" not in seen  # a real address carries no circuit
    assert "198.51.100.7" not in repr(seen) and "marker-browser" not in repr(seen)


def test_the_circuit_id_is_all_that_is_kept_of_a_tor_peer(make_app) -> None:  # type: ignore[no-untyped-def]
    seen = _seen_by_flask(make_app(), {**PEER, "REMOTE_ADDR": CIRCUIT_7})
    assert seen["bisik.circuit"] == 7
    assert "REMOTE_ADDR" not in seen and "fc00" not in repr(seen)
