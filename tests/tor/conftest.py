"""Session fixtures: the private Tor network with Bisik behind a v3 onion service, and chromium.

``onion`` starts, once per test session, a demo organisation made with the real reviewer tool
(reviewer homes, a server home) and the intake behind its onion service as deployed
(:func:`tests.tor.onion.intake_onion`: gunicorn with deploy/'s config, the onion's torrc
rendered from ``deploy/tor/torrc.template``). It yields once the onion address answers through
the client's SOCKS port. ``tor_browser`` is chromium using that SOCKS port (names are resolved
by tor), told to treat the onion origin as secure so WebCrypto exists there, as it does in Tor
Browser.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from intake import demo
from tests.chromium import CHROMIUM, over_tor
from tests.demo_org import make_demo

from .network import TorNetwork
from .onion import intake_onion

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
START_TIMES: list[float] = []  # seconds from the first tor started to the onion answering


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


@pytest.fixture(scope="session")
def onion(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Onion]:
    base = tmp_path_factory.mktemp("onion")
    org = make_demo(base / "demo")
    with intake_onion(org.server_home, base) as running:
        net = running.network
        START_TIMES.append(time.monotonic() - net.started_at)
        assert running.service.rendered is not None
        logs = running.node.logs
        yield Onion(running.address, net.socks_port, net, org, logs, running.service.rendered)


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
    args = over_tor(onion.socks_port, onion.url)
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
