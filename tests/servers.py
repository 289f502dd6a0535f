"""Starting and stopping a real server process on loopback, for the tests that need one.

One copy of the free-port / wait-until-listening / stop-cleanly dance that the gunicorn tests
in tests/deploy and tests/intake all need.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(
    proc: subprocess.Popen[Any], port: int, *, timeout: float = 60.0, what: str = "server",
    why: Callable[[], str] = lambda: "",
) -> None:  # fmt: skip
    """Return once ``port`` accepts connections; fail the test if ``proc`` exits or times out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail(f"{what} did not start {why()}".rstrip())
            time.sleep(0.1)


def stop(proc: subprocess.Popen[Any]) -> None:
    """SIGTERM (gunicorn's graceful stop), then SIGKILL after 30 s."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def serving(
    cmd: Sequence[str], port: int, *, cwd: Path, env: dict[str, str], timeout: float = 60.0,
    what: str = "server", why: Callable[[], str] = lambda: "", **popen: Any,
) -> Iterator[subprocess.Popen[Any]]:  # fmt: skip
    """Run ``cmd`` until the block ends, yielding once it listens on ``port``."""
    proc = subprocess.Popen(list(cmd), cwd=cwd, env=env, **popen)
    try:
        wait_for_port(proc, port, timeout=timeout, what=what, why=why)
        yield proc
    finally:
        stop(proc)
