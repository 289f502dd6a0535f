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


def _start_time(pid: int) -> int | None:
    """When the process ``pid`` started (clock ticks after boot); None if no live process has
    it (none, or an ended child nobody has reaped yet)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # from field 3, the state, on
    return None if fields[0] == "Z" else int(fields[19])  # field 22: starttime


def test_every_tor_ends_when_the_test_process_is_killed(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    pids = [int(p) for p in child.stdout.readline().split()]
    assert len(pids) == 4  # three authorities and the client
    time.sleep(2)
    # A tor is its PID and its start time: the kernel hands an ended tor's PID to a new process
    # soon where pid_max is small (32768 here), and that process is not a tor left behind.
    started = {pid: _start_time(pid) for pid in pids}
    assert None not in started.values(), "a tor did not start"

    def running(pid: int) -> bool:
        return _start_time(pid) == started[pid]

    child.send_signal(signal.SIGKILL)  # no cleanup code can run in the test process
    child.wait()
    deadline = time.monotonic() + 40  # the kernel ends them at once; tor polls its owner each 15 s
    while any(running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.5)
    left = [p for p in pids if running(p)]
    for pid in left:  # do not leave them behind even when the test fails
        subprocess.run(["kill", str(pid)], check=False)
    assert left == []
