"""deploy/install.sh against a real systemd as PID 1, and the installed units run by it.

tests/deploy/systemd_boot.py boots Debian's systemd in private PID, mount, network, UTS, IPC
and cgroup namespaces over overlays of /etc, /var and /opt (the machine's own files untouched,
every host unit masked, nothing reaching the shared kernel's settings). In it, install.sh runs
both phases for real, its ``systemctl`` calls (daemon-reload, enable, start, restart) answered
by that systemd, which then runs Debian's ``tor@bisik`` and the installed ``bisik.service``
with every sandbox setting of the unit file. Checked here:

* both units active; ``systemctl show`` reports the unit's confinement and the main process
  really has it (uid of the bisik user, NoNewPrivs, no capabilities, a seccomp filter, a
  private mount namespace: / read-only, /root and /home empty, its own /tmp and /dev) and it
  answers on its loopback port;
* a main process killed with SIGKILL is restarted as ``Restart=on-failure`` says;
* the timers install.sh enables are listed with a next run, and the backup and retention
  services started by hand finish successfully (the backup archive is written);
* journald keeps the unit's log, and neither it nor the service's own log files hold the
  address a report was sent from.

Not covered: the onion (the network namespace has only a loopback; the onion is reached in
test_install_real.py, through the private Tor network), IPAddressDeny=/IPAddressAllow= (systemd
enforces them with BPF on the unified cgroup hierarchy only; this machine's is hybrid), timers
firing at their calendar times, and a boot of the whole machine (only bisik's units and
journald run; every other unit of the machine is masked).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto.directory import Reviewer, sign_directory
from crypto.keys import KeyPair, load_ed25519_public, raw_public

from .conftest import DEPLOY, ROOT
from .helpers import wheelhouse
from .systemd_boot import SystemdNamespace

pytestmark = pytest.mark.slow

# Kernel settings systemd or its units (PID 1's start-up, systemd-sysctl with Debian's
# sysctl.d) would change on a real boot: they must read the same after the test.
SYSCTLS = (
    "fs/nr_open",
    "fs/file-max",
    "fs/protected_regular",
    "fs/protected_fifos",
    "kernel/core_pattern",
    "kernel/pid_max",
    "kernel/sysrq",
    "kernel/kptr_restrict",
    "net/core/default_qdisc",
    "net/ipv4/conf/all/rp_filter",
)
IP_ADDRESS = re.compile(r"\b\d{1,3}(\.\d{1,3}){3}\b|::1\b|::ffff:")
SOURCE = "127.0.0.77"  # the "reporter's" address: must appear in no log
USER_AGENT = "bisik-journal-probe/1.0"


def sysctls() -> dict[str, str]:
    return {
        key: (path.read_text() if path.exists() else "-")
        for key in SYSCTLS
        for path in [Path("/proc/sys") / key]
    }


def _answers(port: int, probe: bytes, reply_starts: tuple[bytes, ...]) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(probe)
            return s.recv(16).startswith(reply_starts)
    except OSError:
        return False


def host_services_answer() -> dict[str, bool]:
    """The machine's own PostgreSQL (an SSLRequest) and Redis (PING), on the host's loopback."""
    return {
        "postgresql": _answers(5432, b"\x00\x00\x00\x08\x04\xd2\x16\x2f", (b"S", b"N")),
        "redis": _answers(6379, b"PING\r\n", (b"+PONG",)),
    }


def _sign_directory(server_pub: Path, out: Path) -> Path:
    """The organisation's key ceremony in short: a root key signs the server's key."""
    root = Ed25519PrivateKey.generate()
    today = dt.datetime.now(dt.UTC).date()
    until = today + dt.timedelta(days=90)
    reviewers = [  # the recipients tests/intake/helpers.py's report names
        Reviewer(name, name.title(), "lead", KeyPair.generate().public, today, until)
        for name in ("ani", "budi")
    ]
    server_key = load_ed25519_public(server_pub.read_bytes())
    (out / "directory.json").write_bytes(
        sign_directory(root, "Org", 1, until, reviewers, server_key)
    )
    (out / "root.pub").write_bytes(raw_public(root.public_key()))
    return out


@dataclass
class Booted:
    ns: SystemdNamespace
    install_log: str

    def show(self, unit: str, *props: str) -> dict[str, str]:
        out = self.ns.systemctl("show", unit, "-p", ",".join(props))
        return dict(line.split("=", 1) for line in out.splitlines())

    def status(self, pid: str) -> dict[str, str]:
        text = self.ns.run("cat", f"/proc/{pid}/status").stdout
        return {k: v.strip() for k, _, v in (line.partition(":") for line in text.splitlines())}

    def wait_active(self, unit: str, other_than: str = "", timeout: float = 60) -> str:
        """Wait for ``unit`` active with a main PID (not ``other_than``); that PID."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = self.show(unit, "ActiveState", "MainPID")
            if now["ActiveState"] == "active" and now["MainPID"] not in ("0", other_than):
                return now["MainPID"]
            time.sleep(0.5)
        raise AssertionError(
            f"{unit} not active again: {now}\n"
            + self.ns.run("journalctl", "--no-pager", "-n", "40", "-u", unit, check=False).stdout
        )

    def http(self, code: str) -> str:
        """Python ``code`` run in the namespace's network (this checkout's interpreter)."""
        return self.ns.run(
            sys.executable, "-c", code, env={"PYTHONPATH": str(ROOT)}, timeout=120
        ).stdout


@pytest.fixture(scope="module")
def booted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Booted]:
    if os.geteuid() != 0:
        pytest.fail("test_systemd_boot.py needs root (namespaces, mounts, cgroups)")
    for tool in ("unshare", "nsenter", "setpriv", "/lib/systemd/systemd"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is missing: run scripts/install-system-deps.sh")
    base = tmp_path_factory.mktemp("systemd")
    base.chmod(0o755)  # the bisik user reads the wheelhouse
    wheels = wheelhouse(base)
    kernel_before = sysctls()
    try:
        ns = SystemdNamespace(base / "root")
    except (RuntimeError, OSError) as e:
        pytest.fail(f"cannot boot systemd in namespaces on this machine: {e}")
    try:
        ns.wait_booted()
        script = str(DEPLOY / "install.sh")
        first = ns.run("bash", script, "--wheelhouse", str(wheels), timeout=300)
        assert "server-signing.pub" in first.stdout
        org = _sign_directory(ns.upper("/var/lib/bisik/server-signing.pub"), base)
        second = ns.run(
            "bash",
            script,
            "--wheelhouse",
            str(wheels),
            "--directory",
            str(org / "directory.json"),
            "--root-pub",
            str(org / "root.pub"),
            timeout=300,
        )
        assert "onion address: http://" in second.stdout
        yield Booted(ns, first.stdout + second.stdout)
    finally:
        ns.close()
        assert sysctls() == kernel_before, "a kernel setting changed under the test"
        down = [name for name, ok in host_services_answer().items() if not ok]
        assert not down, f"the machine's {down} stopped answering on 127.0.0.1"


def test_install_sh_enables_and_starts_the_units_under_systemd(booted: Booted) -> None:
    ns = booted.ns
    for unit in ("tor@bisik.service", "bisik.service"):
        assert ns.systemctl("is-active", unit) == "active"
        assert ns.systemctl("is-enabled", unit) == "enabled"
    for timer in ("bisik-backup.timer", "bisik-retention.timer"):
        assert ns.systemctl("is-enabled", timer) == "enabled"
        assert ns.systemctl("is-active", timer) == "active"
    assert ns.systemctl("is-system-running", check=False) == "running", ns.systemctl(
        "--failed", check=False
    )


def test_the_unit_sandbox_is_applied_to_the_running_service(booted: Booted) -> None:
    shown = booted.show(
        "bisik.service",
        "User",
        "ProtectSystem",
        "ProtectHome",
        "NoNewPrivileges",
        "PrivateTmp",
        "PrivateDevices",
        "PrivateUsers",
        "CapabilityBoundingSet",
        "RestrictNamespaces",
        "MemoryDenyWriteExecute",
        "MainPID",
    )
    assert shown["User"] == "bisik"
    assert shown["ProtectSystem"] == "strict"
    assert shown["ProtectHome"] == "yes"
    for flag in ("NoNewPrivileges", "PrivateTmp", "PrivateDevices", "PrivateUsers"):
        assert shown[flag] == "yes", flag
    assert shown["CapabilityBoundingSet"] == ""
    assert shown["MemoryDenyWriteExecute"] == "yes"
    pid = shown["MainPID"]
    status = booted.status(pid)
    uid = booted.ns.run("id", "-u", "bisik").stdout.strip()
    assert status["Uid"].split()[0] == uid  # gunicorn's master runs as bisik
    assert status["NoNewPrivs"] == "1"
    assert status["CapEff"] == "0000000000000000"
    assert status["CapBnd"] == "0000000000000000"
    assert status["Seccomp"] == "2"  # SystemCallFilter=: a filter is installed
    # its own mount namespace: / read-only (ProtectSystem=strict), /root and /home empty
    # (ProtectHome=), a private /tmp (PrivateTmp=) and /dev (PrivateDevices=: no console)
    seen = booted.ns.run(
        "nsenter",
        "--target",
        pid,
        "--mount",
        "--",
        "sh",
        "-c",
        "touch /usr/bisik-probe 2>/dev/null && echo usr-writable;"
        "ls -A /root /home | grep -v : | grep -q . && echo home-visible;"
        "test -e /tmp/pytest-of-root && echo host-tmp;"
        "test -e /dev/console && echo console;"
        "echo checked",
    ).stdout.split()
    assert seen == ["checked"], seen
    assert (
        booted.ns.run("readlink", f"/proc/{pid}/ns/mnt").stdout
        != booted.ns.run("readlink", "/proc/1/ns/mnt").stdout
    )
    page = booted.http(
        "import urllib.request;"
        "r = urllib.request.urlopen('http://127.0.0.1:8080/submit', timeout=60);"
        "print(r.status)"
    )
    assert page.strip() == "200"


def test_a_killed_main_process_is_restarted(booted: Booted) -> None:
    ns = booted.ns
    before = booted.wait_active("bisik.service")
    restarts = int(booted.show("bisik.service", "NRestarts")["NRestarts"])
    ns.systemctl("kill", "-s", "KILL", "--kill-who=main", "bisik.service")
    after = booted.wait_active("bisik.service", other_than=before, timeout=60)
    assert after != before
    assert int(booted.show("bisik.service", "NRestarts")["NRestarts"]) == restarts + 1
    journal = ns.run("journalctl", "--no-pager", "-o", "cat", "-u", "bisik.service").stdout
    assert "code=killed, status=9/KILL" in journal and "Scheduled restart job" in journal
    assert booted.status(after)["NoNewPrivs"] == "1"


def test_timers_are_listed_and_the_jobs_they_start_succeed(booted: Booted) -> None:
    ns = booted.ns
    timers = ns.systemctl("list-timers", "--all")
    for timer, service in (
        ("bisik-backup.timer", "bisik-backup.service"),
        ("bisik-retention.timer", "bisik-retention.service"),
    ):
        line = next(line for line in timers.splitlines() if timer in line)
        assert service in line
        assert not line.startswith("n/a"), line  # a next run is scheduled
    for service in ("bisik-backup.service", "bisik-retention.service"):
        ns.systemctl("start", service)  # a oneshot: returns when it has finished
        shown = booted.show(service, "Result", "ExecMainStatus")
        assert shown == {"Result": "success", "ExecMainStatus": "0"}, service
    assert list(ns.upper("/var/backups/bisik").glob("bisik-*.backup"))


def test_journald_keeps_the_log_without_the_reporters_address(booted: Booted) -> None:
    booted.wait_active("bisik.service")
    # a report with a file, sent from SOURCE with a marked User-Agent
    sent = booted.http(
        "import functools, http.client, os\n"
        f"http.client.HTTPConnection = functools.partial(http.client.HTTPConnection,"
        f" source_address=({SOURCE!r}, 0))\n"
        "from tests.intake.helpers import Http\n"
        "h = Http(8080)\n"
        "print(bool(h.nojs_report(os.urandom(50_000))))\n"
        f"print(h.send('GET', '/nowhere', **{{'User-Agent': {USER_AGENT!r}}})[0])\n"
    ).split()
    assert sent == ["True", "404"], sent
    journal = booted.ns.run("journalctl", "--no-pager", "-o", "cat", "-u", "bisik.service").stdout
    assert "Started bisik.service" in journal or "Started Bisik intake" in journal, journal
    logs = [journal]
    for name in ("intake.log", "gunicorn.log"):
        path = booted.ns.upper(f"/var/log/bisik/{name}")
        if path.exists():
            logs.append(path.read_text(errors="replace"))
    for text in logs:
        assert SOURCE not in text
        assert USER_AGENT not in text
    assert not IP_ADDRESS.search(journal), journal
