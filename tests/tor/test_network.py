"""The private network cleans up after itself: a killed test run leaves no tor behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow

_CHILD = """
import sys, time
from pathlib import Path
from tests.tor.network import TorNetwork
net = TorNetwork.create(Path(sys.argv[1]), relays=0)
net.start()
print(" ".join(str(t.proc.pid) for t in net.all_tors()), flush=True)
time.sleep(600)
"""


def _running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie (an ended child nobody has reaped yet)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_every_tor_ends_when_the_test_process_is_killed(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    pids = [int(p) for p in child.stdout.readline().split()]
    assert len(pids) == 4  # three authorities and the client
    time.sleep(2)
    assert all(_running(p) for p in pids), "a tor did not start"
    child.send_signal(signal.SIGKILL)  # no cleanup code can run in the test process
    child.wait()
    deadline = time.monotonic() + 40  # tor polls its owner every 15 s
    while any(_running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.5)
    left = [p for p in pids if _running(p)]
    for pid in left:  # do not leave them behind even when the test fails
        subprocess.run(["kill", str(pid)], check=False)
    assert left == []
