"""The test servers' port picker: ports an outgoing connection cannot take first."""

from __future__ import annotations

import socket

import pytest

from tests import servers


def test_free_ports_lie_outside_the_ephemeral_range_and_are_never_repeated() -> None:
    """Outgoing connections take their local port from the ephemeral range; a listening port
    picked from it can be taken between choosing and binding (CI saw a tor relay fail so)."""
    low, high = servers._ephemeral_range()
    ports = [servers.free_port() for _ in range(300)]
    assert all(not low <= port <= high for port in ports)
    assert len(set(ports)) == len(ports)
    with socket.socket() as s:  # and one of them really is free
        s.bind(("127.0.0.1", ports[-1]))


def test_a_port_in_use_is_not_handed_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """With only one candidate port and something listening on it, free_port says so."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        taken = s.getsockname()[1]
        monkeypatch.setattr(servers, "_LOWEST", taken)
        monkeypatch.setattr(servers, "_ephemeral_range", lambda: (taken + 1, 65535))
        with pytest.raises(RuntimeError, match="no free loopback port"):
            servers.free_port()
