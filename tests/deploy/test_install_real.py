"""deploy/install.sh run for real, end to end, in a throwaway root, to a serving onion.

The throwaway root is a private mount namespace (``unshare --mount``) in which ``/etc``,
``/var``, ``/opt`` and ``/run`` are overlays whose upper layers live in the test's temporary
folder: everything install.sh writes (the ``bisik`` and ``_tor-bisik`` users in /etc/passwd,
/etc/bisik, /etc/tor/instances/bisik, /etc/systemd/system, /opt/bisik/venv, /var/lib/bisik …)
lands there and the machine's own files are untouched. In it:

* install.sh's first run (packages already installed, user, virtualenv from a wheelhouse with
  the lock's hashes checked, ``bisik-server init``), the organisation's signature of the
  server's key with the real reviewer tool, and the second run with ``--directory``/
  ``--root-pub`` (torrc from deploy/, ``tor-instance-create``, units, the onion address);
* Debian's ``tor@bisik`` and the installed ``bisik.service`` started from their unit files by
  tests/deploy/systemctl_shim.py (this machine has no systemd as PID 1), tor with the private
  network's options (tests/tor/network.py) added on its command line;
* then the onion answers through the private network's client, and the operator commands of
  docs/OPERATOR.md run there: the backup and retention services, a restore into an empty home,
  and a renewed directory (a new signature) installed by running install.sh again.

Not covered here: systemd itself. test_systemd_boot.py runs install.sh again under a real
systemd as PID 1 of private namespaces and checks what the stand-in leaves out (the units'
sandbox on the running service, a restart after SIGKILL, the timers, journald); timers firing at
their calendar times are covered by neither. Nor apt (every package is already installed here,
so install.sh skips apt-get), nor the package index (``--wheelhouse`` instead, built from the
locks by ``make setup-test``); bisik's own wheel is built from the committed tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from intake import demo, i18n
from tests.demo_org import make_demo, reviewer
from tests.intake.helpers import Http
from tests.tor.network import _COMMON, TorNetwork, socks_get
from vault.store import Vault

from .conftest import DEPLOY
from .helpers import wheelhouse

pytestmark = pytest.mark.slow

SHIM = Path(__file__).with_name("systemctl_shim.py")
LAYERS = ("etc", "var", "opt", "run")
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class Throwaway:
    """A mount namespace with overlays on LAYERS, held open by a sleeping process."""

    def __init__(self, base: Path) -> None:
        self.base = base
        mounts = []
        for layer in LAYERS:
            upper, work = base / "upper" / layer, base / "work" / layer
            upper.mkdir(parents=True)
            work.mkdir(parents=True)
            mounts.append(
                f"mount -t overlay overlay -o lowerdir=/{layer},upperdir={upper},"
                f"workdir={work} /{layer}"
            )
        mounts.append(f"mount --bind {SHIM} /usr/bin/systemctl")
        script = " && ".join(mounts) + " && echo ready && exec sleep 3600"
        self.holder = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.holder.stdout is not None
        if self.holder.stdout.readline().strip() != b"ready":
            raise RuntimeError(f"cannot make the throwaway root: {self.holder.stderr.read()!r}")

    def upper(self, path: str) -> Path:
        """Where a file the namespace wrote at ``path`` lies on the real file system."""
        layer, _, rest = path.lstrip("/").partition("/")
        return self.base / "upper" / layer / rest

    def run(
        self, *cmd: str, env: dict[str, str] | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        """``cmd`` inside the namespace, as root; fails the test on a non-zero exit."""
        full = ["nsenter", "--target", str(self.holder.pid), "--mount", "--", *cmd]
        env = {"PATH": PATH, "LANG": "C.UTF-8", **(env or {})}
        done = subprocess.run(
            full, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
        assert done.returncode == 0, f"{cmd}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done

    def inside(self, pid: int) -> bool:
        """True if the process ``pid`` lives in this namespace. A unit that ended early leaves
        its PID free, and the kernel may since have given it to an unrelated process."""
        try:
            return os.readlink(f"/proc/{pid}/ns/mnt") == os.readlink(
                f"/proc/{self.holder.pid}/ns/mnt"
            )
        except OSError:  # gone, or not ours to look at
            return False

    def close(self, units: Path) -> None:
        """Stop what the units started (each by its PID, while it is still theirs), then the
        namespace's holder."""
        for pid_file in units.glob("*.pid"):
            pid = int(pid_file.read_text())
            for sig in (15, 9):
                if not self.inside(pid):
                    break
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    break
                time.sleep(2)
        self.holder.kill()
        self.holder.wait(timeout=30)


@dataclass
class Installed:
    root: Throwaway
    network: TorNetwork
    org: demo.Demo
    env: dict[str, str]
    wheelhouse: Path
    onion: str


def _sign(org: demo.Demo, server_pub: Path, out: Path) -> None:
    """The organisation signs the installed server's key into a directory (reviewer tool)."""
    reviewer(org, "ani", "org", "sign", "--server-key", str(server_pub), "--out", str(out))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    base = tmp_path_factory.mktemp("install")
    base.chmod(0o755)  # the bisik user reads the wheelhouse and the org files
    org = make_demo(base / "demo")
    wheels = wheelhouse(base)
    net = TorNetwork.create(base / "tor")
    tor_args = base / "tor-args"
    tor_args.write_text(_COMMON + net.dir_lines + f"__OwningControllerProcess {os.getpid()}\n")
    units = base / "units"
    env = {"BISIK_TEST_UNITS": str(units), "BISIK_TEST_TOR_ARGS": str(tor_args)}
    root = Throwaway(base / "root")
    try:
        net.start()
        script = str(DEPLOY / "install.sh")
        first = root.run("bash", script, "--wheelhouse", str(wheels), env=env)
        assert "server-signing.pub" in first.stdout
        _sign(org, root.upper("/var/lib/bisik/server-signing.pub"), base / "directory.json")
        root_pub = org.reviewer_homes["ani"] / "org" / "root.pub"
        shutil.copy(root_pub, base / "root.pub")
        second = root.run(
            "bash",
            script,
            "--wheelhouse",
            str(wheels),
            "--directory",
            str(base / "directory.json"),
            "--root-pub",
            str(base / "root.pub"),
            env=env,
        )
        onion = second.stdout.split("onion address: http://")[1].split("/")[0]
        assert onion.endswith(".onion")
        assert net.client is not None
        net.wait_for_log(net.client, r"Bootstrapped 100%", 180)
        net.wait_reachable(onion, 80, "/", timeout=240)
        yield Installed(root, net, org, env, wheels, onion)
    finally:
        root.close(units)
        net.stop()


def test_the_installed_service_answers_on_its_onion(installed: Installed) -> None:
    page = socks_get(installed.network.socks_port, installed.onion, 80, "/submit", timeout=60)
    assert page.split(b"\r\n", 1)[0].endswith(b" 200 OK")
    assert i18n.translate("id", "app.name").encode() in page
    # the service runs as the bisik user from the installed virtualenv
    units = Path(installed.env["BISIK_TEST_UNITS"])
    pid = int((units / "bisik.service.pid").read_text())
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        log = (units / "bisik.service.log").read_text(errors="replace")
        pytest.fail(f"bisik.service (PID {pid}) is not running; its log ends:\n{log[-3000:]}")
    uid = next(line.split()[1] for line in status.splitlines() if line.startswith("Uid:"))
    passwd = installed.root.upper("/etc/passwd").read_text()
    assert f"bisik:x:{uid}:" in passwd


def test_backup_restore_and_retention_as_documented(installed: Installed) -> None:
    root, env = installed.root, installed.env
    # a report with a file, sent to the installed service (gunicorn's loopback port, where the
    # onion forwards), so that the backup holds a case
    evidence = os.urandom(200_000)
    assert Http(8080).nojs_report(evidence)
    root.run("systemctl", "start", "bisik-backup.service", env=env)
    (archive,) = root.upper("/var/backups/bisik").glob("bisik-*.backup")
    root.run("systemctl", "start", "bisik-retention.service", env=env)
    # restore into a fresh, empty home, as on a new machine (secrets and org copied by hand)
    root.run("install", "-d", "-o", "bisik", "-g", "bisik", "-m", "0700", "/var/lib/bisik-new")
    root.run(
        "runuser",
        "-u",
        "bisik",
        "--",
        "env",
        "BISIK_HOME=/var/lib/bisik-new",
        "/opt/bisik/venv/bin/bisik-server",
        "restore",
        f"/var/backups/bisik/{archive.name}",
        env=env,
    )
    restored = root.upper("/var/lib/bisik-new")
    with Vault.open(f"sqlite:///{restored / 'bisik.sqlite'}", restored) as vault:
        (report,) = vault.items_since(0)
        assert report.kind == "report" and len(report.evidence) == 1
        assert all(vault.blobs.verify(ref.sha256) for ref in report.evidence)


def test_a_renewed_directory_is_installed_by_running_install_again(
    installed: Installed,
    tmp_path: Path,
) -> None:
    renewed = tmp_path / "directory.json"
    _sign(installed.org, installed.root.upper("/var/lib/bisik/server-signing.pub"), renewed)
    tmp_path.chmod(0o755)
    base = installed.wheelhouse.parent
    installed.root.run(
        "bash",
        str(DEPLOY / "install.sh"),
        "--wheelhouse",
        str(installed.wheelhouse),
        "--directory",
        str(renewed),
        "--root-pub",
        str(base / "root.pub"),
        env=installed.env,
    )
    assert (
        installed.root.upper("/var/lib/bisik/org/directory.json").read_bytes()
        == renewed.read_bytes()
    )
    installed.network.wait_reachable(installed.onion, 80, "/", timeout=240)
