"""Debian's chromium as the browser tests and the benches launch it (nothing is downloaded).

The flags keep it quiet and able to run in a container: no sandbox (no user namespaces there),
no GPU, no QUIC, no background or sync traffic. :func:`over_tor` adds what makes it behave like
Tor Browser on the private network: every request through tor's SOCKS port (names resolved by
tor), and the onion origin treated as secure so WebCrypto exists there.
"""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def over_tor(socks_port: int, url: str) -> list[str]:
    """:data:`ARGS` plus a SOCKS proxy at ``127.0.0.1:socks_port``; ``url`` counts as secure."""
    return [
        *ARGS,
        f"--proxy-server=socks5://127.0.0.1:{socks_port}",
        f"--unsafely-treat-insecure-origin-as-secure={url}",
    ]
