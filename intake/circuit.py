"""Which Tor circuit a request came over, as a budget key — never an address.

With ``HiddenServiceExportCircuitID haproxy`` (deploy/tor/torrc.template) the onion service's
tor opens every stream to the intake with a PROXY protocol v1 line whose source address is
``fc00:dead:beef:4dad::AABB:CCDD``: the low 32 bits are tor's *global circuit identifier*, a
counter local to the service's tor process. gunicorn (``proxy_protocol = "v1"``, loopback
only; intake.gunicorn_conf) turns it into ``REMOTE_ADDR``. It says nothing about the
reporter — tor on the service side never learns a client's address — but it is the same for
every request over one circuit, and building a circuit costs the client (and, under attack,
an onion proof-of-work): the application's part of making budgets that one client cannot
spend for everyone (intake.ratelimit).

:class:`PeerScrub` is the outermost WSGI layer (intake.app): it takes the peer out of the
environ before anything else runs, keeps only the circuit id, and drops the headers through
which a browser or a Tor2web gateway may name a client (its browser string, forwarded-for
addresses). No view, extension or error handler can read what is no longer there, on a
deployment without tor too.

Leaks: nothing is logged or stored by this module; the limiter stores only a keyed hash of
the key it returns, for one budget window (intake.limitstore).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

from flask import request

# The /96 tor puts in front of the circuit id (tor(1), HiddenServiceExportCircuitID).
TOR_CIRCUIT_PREFIX = ipaddress.IPv6Network("fc00:dead:beef:4dad::/96")


def circuit_id(remote_addr: str | None) -> int | None:
    """The circuit id in a ``REMOTE_ADDR`` tor exported, or None for any other peer (a
    loopback client, a unix socket, a test client, malformed text)."""
    try:
        addr = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return None
    if not isinstance(addr, ipaddress.IPv6Address) or addr not in TOR_CIRCUIT_PREFIX:
        return None
    return int(addr) & 0xFFFFFFFF


# Where PeerScrub leaves the circuit id for circuit_key (absent when there is none).
ENVIRON_KEY = "bisik.circuit"
# What a client (or a gateway in front of it) can say about who it is: never kept.
PEER_KEYS = (
    "REMOTE_ADDR",
    "REMOTE_PORT",
    "REMOTE_HOST",
    "HTTP_USER_AGENT",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_FORWARDED",
    "HTTP_X_REAL_IP",
    "HTTP_CLIENT_IP",
    "HTTP_TRUE_CLIENT_IP",
    "HTTP_VIA",
)
_DROP = frozenset(PEER_KEYS)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class PeerScrub:
    """WSGI middleware: the wrapped application gets a copy of the environ without any key in
    :data:`PEER_KEYS`, plus the circuit id under :data:`ENVIRON_KEY` when there is one."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Run the wrapped application on the scrubbed copy of ``environ``."""
        found = circuit_id(environ.get("REMOTE_ADDR"))
        # A copy: the server's own dict stays as it was (werkzeug's development server reads
        # it again to log; gunicorn's access log is off, intake.gunicorn_conf).
        scrubbed = {k: v for k, v in environ.items() if k not in _DROP}
        if found is not None:
            scrubbed[ENVIRON_KEY] = found
        return self.app(scrubbed, start_response)


def circuit_key() -> str | None:
    """The current request's budget key for its circuit (``"c:<id>"``), or None when the
    request did not come over an onion circuit (then no per-circuit budget applies)."""
    found = request.environ.get(ENVIRON_KEY)
    return None if found is None else f"c:{found:x}"
