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

Leaks: nothing is logged or stored by this module; the limiter stores only a keyed hash of
the key it returns, for one budget window (intake.limitstore).
"""

from __future__ import annotations

import ipaddress

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


def circuit_key() -> str | None:
    """The current request's budget key for its circuit (``"c:<id>"``), or None when the
    request did not come over an onion circuit (then no per-circuit budget applies)."""
    found = circuit_id(request.remote_addr)
    return None if found is None else f"c:{found:x}"
