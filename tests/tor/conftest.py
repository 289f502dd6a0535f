"""Session fixtures: the private Tor network with Bisik behind a v3 onion service, and chromium.

``onion`` starts, once per test session:

* a demo organisation made with the real reviewer tool (reviewer homes, a server home);
* the intake under gunicorn with ``deploy/gunicorn.conf.py``, as ``bisik.service`` runs it;
* the private Tor network of :mod:`tests.tor.network`, with one onion service whose torrc is
  rendered from ``deploy/tor/torrc.template`` by ``deploy/render.py`` (proof-of-work defences,
  sandbox and stream limits as in production); only the network's lines are added.

It yields once the onion address answers through the client's SOCKS port. ``tor_browser`` is
chromium using that SOCKS port (names are resolved by tor), told to treat the onion origin as
secure so WebCrypto exists there, as it does in Tor Browser.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from intake import demo
from tests.servers import free_port, stop, wait_for_port

from .network import TorNetwork

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
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
START_TIMES: list[float] = []  # seconds from the first tor started to the onion answering


def die_with_parent() -> None:
    """In the child: get SIGTERM when the test process dies, even by SIGKILL (Linux prctl)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Onion:
    """The intake behind its onion service, and how to reach it."""

    address: str  # xxxx.onion
    socks_port: int
    network: TorNetwork
    org: demo.Demo
    logs: Path
    torrc: Path

    @property
    def url(self) -> str:
        return f"http://{self.address}"


def make_org(where: Path) -> demo.Demo:
    """A demo organisation made with the real reviewer tool, with cheap Argon2 (a test)."""
    old = demo.KDF_PROFILE
    demo.KDF_PROFILE = "test"
    try:
        return demo.create(where)
    finally:
        demo.KDF_PROFILE = old


def gunicorn(home: Path, logs: Path, port: int) -> subprocess.Popen[bytes]:
    """The intake on ``home`` under gunicorn with deploy/'s config, as bisik.service runs it;
    it ends with the test process (even on SIGKILL)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BISIK_")},
        "BISIK_HOME": str(home),
        "TMPDIR": str(home / "tmp"),
        "BISIK_LOG_FILE": str(logs / "intake.log"),
        "BISIK_GUNICORN_ERRORLOG": str(logs / "gunicorn.log"),
        "BISIK_LISTEN": f"127.0.0.1:{port}",
        "BISIK_WORKERS": "1",
        "BISIK_THREADS": "8",
    }
    (home / "tmp").mkdir(exist_ok=True, mode=0o700)
    cmd = [str(BIN / "gunicorn"), "--config", str(DEPLOY / "gunicorn.conf.py"), "intake.wsgi:app"]
    return subprocess.Popen(cmd, cwd=home, env=env, preexec_fn=die_with_parent)


@pytest.fixture(scope="session")
def onion(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Onion]:
    base = tmp_path_factory.mktemp("onion")
    org = make_org(base / "demo")
    port = free_port()
    logs = base / "logs"
    logs.mkdir()

    net = TorNetwork.create(base / "tor")
    service = net.add_deployed_onion("onion", port, base / "rendered")

    server = gunicorn(org.server_home, logs, port)
    try:
        net.start()
        wait_for_port(server, port, what="gunicorn behind the onion")
        net.wait_ready()
        net.wait_reachable(service.hostname, 80, "/")
        START_TIMES.append(time.monotonic() - net.started_at)
        assert service.rendered is not None
        yield Onion(service.hostname, net.socks_port, net, org, logs, service.rendered)
    finally:
        net.stop()
        stop(server)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say how long the private network took to serve the onion (a figure, not a test)."""
    for seconds in START_TIMES:
        terminalreporter.write_line(
            f"private Tor network: onion answered {seconds:.1f} s after start"
        )


@pytest.fixture(scope="session")
def tor_browser(onion: Onion, playwright_session: Any) -> Iterator[Any]:
    """Chromium whose every request goes through the private network's SOCKS port."""
    assert os.path.exists(CHROMIUM), "Debian chromium is missing: run `make setup-test`"
    args = [
        *ARGS,
        f"--proxy-server=socks5://127.0.0.1:{onion.socks_port}",
        f"--unsafely-treat-insecure-origin-as-secure={onion.url}",
    ]
    browser = playwright_session.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
    yield browser
    browser.close()


def new_page(browser: Any, *, javascript: bool) -> Any:
    """A fresh context (no shared cookies) and page; page.errors collects script errors."""
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(90_000)  # pages cross six onion hops
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page
