"""Bisik's intake behind a v3 onion service of the private Tor network, as deployed.

* the intake under gunicorn with ``deploy/gunicorn.conf.py`` (:class:`tests.servers.IntakeNode`),
  as ``bisik.service`` runs it;
* the private network of :mod:`tests.tor.network`, with one onion service whose torrc is
  rendered from ``deploy/tor/torrc.template`` by ``deploy/render.py`` (proof-of-work defences,
  sandbox and stream limits as in production); only the network's lines are added.

:func:`intake_onion` yields once the onion address answers through the client's SOCKS port.
Both the ``onion`` fixture of the Tor tests (conftest.py) and ``bench/tor_upload_bench.py
--over-tor`` use it. It lives in tests/ rather than bench/ because tests/ is a package and
bench/ a folder of scripts: the benches already import from tests/ (the servers, this network,
the form filler) and no test imports a bench, so the one import direction stays one way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.servers import IntakeNode, clean_env

from .network import OnionService, TorNetwork


@dataclass
class IntakeOnion:
    """The running intake, the network, and the onion service in front of the intake."""

    node: IntakeNode
    network: TorNetwork
    service: OnionService

    @property
    def address(self) -> str:
        """The service's xxxx.onion name."""
        return self.service.hostname

    @property
    def url(self) -> str:
        return f"http://{self.address}"


@contextmanager
def intake_onion(
    server_home: Path, base: Path, *, workers: int = 1, threads: int = 8
) -> Iterator[IntakeOnion]:
    """The intake on ``server_home`` behind an onion service of a private network made under
    ``base``; gunicorn and every tor are started together and stopped at the end."""
    node = IntakeNode(
        "intake", server_home, clean_env(), workers=workers, threads=threads, logs=base / "logs"
    )
    net = TorNetwork.create(base / "tor")
    service = net.add_deployed_onion("onion", node.port, base / "rendered")
    node.launch()
    try:
        net.start()
        node.wait_listening("gunicorn behind the onion")
        net.wait_ready()
        net.wait_reachable(service.hostname, 80, "/")
        yield IntakeOnion(node, net, service)
    finally:
        net.stop()
        node.stop()
