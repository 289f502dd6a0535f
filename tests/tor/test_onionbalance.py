"""Scale-out through Tor: one onion address in front of two intake nodes, by Onionbalance.

On the private network (tests/tor/network.py), with every torrc rendered from
``deploy/scale-out/`` as docs/OPERATOR.md §9 installs them:

* two intake nodes (gunicorn, deploy/'s config; tests/servers.py's ``intake_nodes``), each on
  its own copy of one server home and sharing nothing but a PostgreSQL database (blobs too:
  ``blob_store = "database"``) and a Redis, each behind its own onion service rendered from
  ``backend-torrc.template`` with ``ob_config`` naming the frontend;
* a frontend tor rendered from ``frontend-torrc.template`` (``Sandbox 1`` as written; only a
  loopback ``--ControlPort`` is given on the command line, where Debian's ``tor@`` defaults
  give a control socket);
* Onionbalance (``onionbalance --is-testnet``) with the frontend key made by ``openssl genpkey``
  and ``onionbalance.yaml`` rendered from the template with the two nodes' addresses.

The tests: the frontend address serves Bisik's pages; with one node's tor killed, a new
circuit to the same address is served by the other node. ``--is-testnet`` makes Onionbalance
compute time periods for 20 s votes, so this network votes every 20 s.

Why the network is bigger than test_onion's, and why Onionbalance waits for a full consensus:
Onionbalance 0.2.4 places each replica of the frontend descriptor on 4 HSDirs of its hash
ring, skipping the HSDirs the first replica took; on a ring of 4 or fewer HSDirs the second
replica never finds one and ``get_responsible_hsdirs`` loops for ever. It runs in stem's event
thread (on every new consensus), so the first descriptor is never uploaded, the instances'
descriptors stop being read and they look "offline" from then on, and the client finds the
descriptor on no HSDir. The first consensus of a fresh network may list only some relays, so
the frontend's tor must hold a consensus with every relay as HSDir (``HSDIRS``, well over 4)
before Onionbalance starts.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from intake import i18n
from tests.demo_org import make_demo
from tests.deploy.helpers import onion_address
from tests.servers import OwnRedis, die_with_parent, free_port, intake_nodes, own_database

from .conftest import BIN
from .network import OnionService, Tor, TorNetwork, load_render, socks_get

pytestmark = pytest.mark.slow

ONIONBALANCE_VOTING = 20  # what onionbalance --is-testnet assumes (its params: 20 s rounds)
RELAYS = 5  # with the 3 authorities: 8 HSDirs, a ring Onionbalance can fill (see above)
HSDIRS = 3 + RELAYS


@dataclass
class Balanced:
    """The frontend address and what stands behind it."""

    address: str
    network: TorNetwork
    backends: list[OnionService]
    frontend: Tor
    log: Path


def _frontend_key(where: Path) -> tuple[Path, str]:
    """The frontend key made as docs/OPERATOR.md says, and the address it is."""
    key_file = where / "bisik-frontend.key"
    subprocess.run(
        ["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(key_file)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    key = load_pem_private_key(key_file.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key_file, onion_address(key)


@pytest.fixture(scope="module")
def balanced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Balanced]:
    base = tmp_path_factory.mktemp("onionbalance")
    org = make_demo(base / "demo")
    with contextlib.ExitStack() as stack:
        db_url = stack.enter_context(own_database())
        redis = OwnRedis()
        redis.start()
        stack.callback(redis.stop)
        nodes = stack.enter_context(
            intake_nodes(org.server_home, base / "nodes", db_url=db_url, redis_url=redis.url)
        )
        yield from _balance(base, [node.port for node in nodes])


def _balance(base: Path, ports: list[int]) -> Iterator[Balanced]:
    """The Tor side: a backend onion per node, the frontend tor, Onionbalance."""
    render = load_render()
    key_file, front = _frontend_key(base)
    net = TorNetwork.create(base / "tor", voting_interval=ONIONBALANCE_VOTING, relays=RELAYS)
    backends = []
    for i, port in enumerate(ports, 1):
        data = net.node_dir(f"backend{i}")
        values = {
            "TOR_DATA_DIR": str(data),
            "ONION_DIR": str(data / "hs"),
            "LISTEN_PORT": str(port),
            "FRONTEND_ONION": front,
        }
        torrc, ob_config = render.render_all(
            base / f"rendered{i}",
            values,
            only=["scale-out/backend-torrc.template", "scale-out/ob_config.template"],
        )
        (data / "hs").mkdir(mode=0o700)
        (data / "hs" / "ob_config").write_text(ob_config.read_text())
        backends.append(net.add_onion_service(f"backend{i}", torrc.read_text(), data / "hs"))
    control = free_port()
    (frontend_torrc,) = render.render_all(
        base / "rendered-frontend", {}, only=["scale-out/frontend-torrc.template"]
    )
    frontend = net.add_tor(
        "frontend",
        frontend_torrc.read_text(),
        args=("--ControlPort", f"127.0.0.1:{control}", "--CookieAuthentication", "1"),
    )
    ob = None
    log = base / "onionbalance.log"
    try:
        net.start()
        net.wait_ready()
        net.wait_for_log(frontend, r"Bootstrapped 100%", 120)
        net.wait_for_hsdirs(frontend, HSDIRS)
        addresses = {f"BACKEND{i}_ONION": b.hostname for i, b in enumerate(backends, 1)}
        (config,) = render.render_all(
            base / "rendered-ob",
            {**addresses, "OB_KEY": str(key_file)},
            only=["scale-out/onionbalance.yaml.template"],
        )
        with log.open("wb") as out:
            ob = subprocess.Popen(
                [
                    str(BIN / "onionbalance"),
                    "--is-testnet",
                    "-c",
                    str(config),
                    "-i",
                    "127.0.0.1",
                    "-p",
                    str(control),
                    "-v",
                    "info",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent,
            )
        try:
            net.wait_reachable(front, 80, "/", timeout=300)  # Onionbalance waits 45 s first
        except Exception as exc:
            raise AssertionError(f"{exc}\n--- onionbalance\n{log.read_text()[-3000:]}") from exc
        yield Balanced(front, net, backends, frontend, log)
    finally:
        if ob is not None:
            _end(ob)
        net.stop()


def _end(ob: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL: Onionbalance's SIGTERM handler closes its control connection
    from the main thread and can wait for ever on stem's event thread."""
    ob.terminate()
    try:
        ob.wait(timeout=20)
    except subprocess.TimeoutExpired:
        ob.kill()
        ob.wait(timeout=20)


def _page(balanced: Balanced, circuit: str, path: str = "/") -> bytes:
    return socks_get(
        balanced.network.socks_port, balanced.address, 80, path, timeout=60, isolate=circuit
    )


def test_one_address_serves_bisik_from_the_nodes(balanced: Balanced) -> None:
    """The frontend address (which no node's tor holds a key for) serves the intake's pages:
    Onionbalance published a descriptor listing the nodes' introduction points."""
    for path in ("/", "/submit"):
        response = _page(balanced, "first", path)
        assert response.startswith(b"HTTP/1.1 200") or response.startswith(b"HTTP/1.0 200")
    assert i18n.translate("id", "app.name").encode() in _page(balanced, "first")
    log = balanced.log.read_text()
    assert "Uploading first descriptor" in log
    assert "intros from 2 instances" in log  # introduction points of both nodes
    assert all(b.hostname != balanced.address for b in balanced.backends)


def test_the_address_stays_up_when_one_node_goes_down(balanced: Balanced) -> None:
    """Kill the first node's tor (SIGKILL, as a crash): a new circuit to the same address
    reaches the second node (the client tries the descriptor's other introduction points)."""
    gone = balanced.backends[0].tor
    assert gone.proc is not None
    gone.proc.kill()
    gone.proc.wait(timeout=20)
    deadline, last = time.monotonic() + 180, ""
    for attempt in range(100):
        try:
            response = _page(balanced, f"after-stop-{attempt}")
            break
        except OSError as exc:
            last = str(exc)
            assert time.monotonic() < deadline, f"frontend unreachable with one node down: {last}"
            time.sleep(2)
    assert b" 200 " in response.split(b"\r\n", 1)[0]
