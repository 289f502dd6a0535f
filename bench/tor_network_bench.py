"""How long the private Tor network of ``tests/tor`` takes to serve an onion page, over starts.

Each start: keys and torrc files (``TorNetwork.create``: tor-gencert for three authorities,
fingerprints of every relay), then every tor at once, with one onion service rendered from
``deploy/tor/torrc.template`` in front of a plain HTTP server on 127.0.0.1; timed until a page
comes back through the client's SOCKS port. Printed: median [min-max] of the set-up, of the
client's bootstrap and of the first onion answer, and how many starts succeeded.

    .venv/bin/python bench/tor_network_bench.py [--starts 5]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.tor.network import TorNetwork, TorNetworkError  # noqa: E402


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # no access log
        pass


def one_start(base: Path, port: int) -> tuple[float, float, float]:
    began = time.monotonic()
    net = TorNetwork.create(base / "tor")
    service = net.add_deployed_onion("onion", port, base / "rendered")
    made = time.monotonic() - began
    net.start()
    try:
        assert net.client is not None
        net.wait_for_log(net.client, r"Bootstrapped 100%", 240)
        boot = time.monotonic() - net.started_at
        net.wait_reachable(service.hostname, 80, "/")
        return made, boot, time.monotonic() - net.started_at
    finally:
        net.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()
    handler = functools.partial(_Quiet, directory=str(ROOT / "docs"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    rows, failures = [], 0
    for i in range(args.starts):
        with tempfile.TemporaryDirectory(prefix="bisik-tornet-") as tmp:
            try:
                rows.append(one_start(Path(tmp), server.server_port))
                print(
                    f"start {i + 1}: set-up {rows[-1][0]:.1f} s, client {rows[-1][1]:.1f} s, "
                    f"onion {rows[-1][2]:.1f} s",
                    flush=True,
                )
            except TorNetworkError as exc:
                failures += 1
                print(f"start {i + 1}: FAILED {str(exc)[:200]}", flush=True)
    server.shutdown()
    print(f"\nprivate Tor network, {len(rows)}/{args.starts} starts served the onion")
    for name, col in (
        ("set-up (keys, torrc)", 0),
        ("client bootstrapped", 1),
        ("onion page answered", 2),
    ):
        values = [r[col] for r in rows]
        if values:
            print(
                f"  {name:22} {statistics.median(values):6.1f} s "
                f"[{min(values):.1f}–{max(values):.1f}]"
            )


if __name__ == "__main__":
    main()
