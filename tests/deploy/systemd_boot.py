"""A real systemd as PID 1 of private namespaces, for tests/deploy/test_systemd_boot.py.

The machine has no systemd as PID 1 and its kernel is shared (with the host's PostgreSQL and
Redis, and with other engineers' runs), so the systemd booted here sees the machine only
through namespaces and copies:

* new PID, mount, UTS, IPC, network and cgroup namespaces (``unshare``); the network namespace
  holds only its own loopback, so nothing started inside binds or reaches a host port;
* ``/etc``, ``/var`` and ``/opt`` are overlays whose upper layers lie in the test's folder, ``/run``
  a fresh tmpfs, ``/dev`` a tmpfs with only null, zero, full, random, urandom and tty bound in
  (no /dev/kmsg; ``/dev/console`` is a file in the test's folder, systemd's log);
* ``/proc`` is the namespace's own with ``/proc/sys`` and ``/proc/sysrq-trigger`` read-only, and
  ``/sys`` is read-only: no sysctl reaches the shared kernel;
* every cgroup hierarchy is re-mounted at a folder made for this run only, so the units' cgroups
  (and their processes) stay inside it;
* systemd's capability bounding set lacks CAP_SYS_MODULE, CAP_SYS_TIME, CAP_SYS_BOOT, CAP_SYSLOG,
  CAP_SYS_RAWIO, the audit and MAC capabilities, and alarms: nothing in it can load a module, set
  the clock, reboot the machine or write to the kernel's log or audit trail;
* it boots ``bisik-test.target``, which pulls in journald only, and every unit file of the
  machine except targets, slices, journald and Debian's ``tor@.service`` is masked (a symlink to
  /dev/null in the overlay's /etc/systemd/system), as are the target that would shut it down and
  every generator, so no host service (PostgreSQL, Redis, MariaDB, cron, getty …) and none of
  systemd-sysctl, -modules-load, -udevd, -remount-fs, -binfmt runs.

``close()`` kills the namespace's PID 1 with SIGKILL from the host, which kills every process of
the namespace, then checks the run's cgroups are empty and removes them.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import signal
import subprocess
import time
import uuid
from pathlib import Path

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SYSTEMD = "/lib/systemd/systemd"
TARGET = "bisik-test.target"
LAYERS = ("etc", "var", "opt")
UNIT_DIRS = tuple(Path(d, "systemd/system") for d in ("/lib", "/usr/lib", "/usr/local/lib", "/etc"))
GENERATOR_DIRS = tuple(Path(f"{d}-generators") for d in UNIT_DIRS)
# Left unmasked: what bisik's units need from the machine.
KEEP = re.compile(
    r"(.*\.slice|systemd-journald(@\.service|\.service|\.socket|-dev-log\.socket)"
    r"|tor@\.service|.*\.target)$"
)
# Targets that stop, reboot or take over the system, or stand for hardware: masked too.
MASKED_TARGETS = re.compile(
    r"(reboot|poweroff|halt|kexec|ctrl-alt-del|exit|shutdown|final|umount|rescue|emergency"
    r"|sleep|suspend.*|hibernate|hybrid-sleep|initrd.*|runlevel[0-6]|graphical|getty.*|default"
    r"|factory-reset|system-update.*|sigpwr|bluetooth|printer|smartcard|sound|usb-gadget"
    r"|.*cryptsetup.*|.*veritysetup.*|.*integritysetup.*|blockdev@|remote-fs.*"
    r"|first-boot-complete|boot-complete)\.target$"
)
DROP_CAPS = (
    "sys_module",
    "sys_time",
    "sys_boot",
    "syslog",
    "sys_rawio",
    "audit_control",
    "audit_write",
    "audit_read",
    "mac_admin",
    "mac_override",
    "wake_alarm",
    "block_suspend",
)
PR_SET_PDEATHSIG = 1
CGROUP_PREFIX = "bisik-systemd-"
NAMESPACES = ("--mount", "--pid", "--net", "--uts", "--ipc", "--cgroup")
TEST_TARGET = """\
[Unit]
Description=Bisik test boot (journald only; the test starts bisik's units)
Wants=systemd-journald.socket systemd-journald-dev-log.socket systemd-journald.service
After=systemd-journald.socket systemd-journald-dev-log.socket systemd-journald.service
"""


def host_units() -> set[str]:
    """Every unit name the machine's systemd would know: files, aliases, .wants links, init.d."""
    names: set[str] = set()
    for directory in filter(Path.is_dir, UNIT_DIRS):
        for path in directory.rglob("*"):
            if path.is_dir() or path.parent.name.endswith(".d"):
                continue
            names.add(path.name)
    names |= {f"{script.name}.service" for script in Path("/etc/init.d").glob("*")}
    return names


def to_mask(names: set[str]) -> list[str]:
    keep = {n for n in names if KEEP.match(n) and not MASKED_TARGETS.match(n)}
    return sorted(names - keep)


def _cgroup_hierarchies() -> list[tuple[str, str, str]]:
    """(mount point, mount options for re-mounting, our cgroup path) of each hierarchy."""
    ours: dict[str, str] = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        ours[controllers] = path
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        sep = fields.index("-")
        point, fstype, supers = fields[4], fields[sep + 1], fields[sep + 3]
        if fstype == "cgroup2":
            found.append((point, "", ours.get("", "/")))
        elif fstype == "cgroup":
            opts = [o for o in supers.split(",") if o not in ("rw", "ro")]
            key = ",".join(o for o in opts if o != "none")
            if key not in ours:
                continue
            found.append((point, ",".join(opts), ours[key]))
    return found


def remove_stale_cgroups() -> None:
    """Empty cgroups of earlier runs whose test process died without its tear-down."""
    for point, _, ours in _cgroup_hierarchies():
        for top in Path(point + ours.rstrip("/")).glob(CGROUP_PREFIX + "*"):
            pid = int(top.name.removeprefix(CGROUP_PREFIX).split("-")[0])
            if not Path(f"/proc/{pid}").exists():
                _rmdir_tree(top, attempts=1)


def _rmdir_tree(top: Path, attempts: int = 50) -> list[str]:
    """rmdir a cgroup and its children, deepest first, once no process is left in them;
    the PIDs still in them if that does not happen within ``attempts`` tenths of a second."""
    procs: list[str] = []
    for _ in range(attempts):
        dirs = sorted((p for p in top.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts))
        procs = [pid for d in [*dirs, top] for pid in (d / "cgroup.procs").read_text().split()]
        if not procs:
            try:
                for d in [*dirs, top]:
                    d.rmdir()
                return []
            except OSError:
                pass
        time.sleep(0.1)
    return procs


class SystemdNamespace:
    """systemd booted as PID 1 of new namespaces over overlays in ``base``; see the module doc."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.console = base / "console.log"
        self.name = f"{CGROUP_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.cgroups: list[Path] = []
        self.unshare: subprocess.Popen[bytes] | None = None
        self.pid = 0
        try:
            self._boot()
        except BaseException:
            self.close()
            raise

    def _boot(self) -> None:
        remove_stale_cgroups()
        mounts = []
        for layer in LAYERS:
            upper, work = self.base / "upper" / layer, self.base / "work" / layer
            upper.mkdir(parents=True)
            work.mkdir(parents=True)
            mounts.append(
                f"mount -t overlay overlay -o lowerdir=/{layer},upperdir={upper},"
                f"workdir={work} /{layer}"
            )
        self._mask_and_add_units()
        self.console.write_text("")
        inner = [
            "set -eu",
            *mounts,
            "mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run",
            "mount -t proc -o nosuid,nodev,noexec proc /proc",
            "for p in /proc/sys /proc/sysrq-trigger; do if [ -e $p ]; then"
            " mount --bind $p $p; mount -o remount,bind,ro $p; fi; done",
            *self._dev_mounts(),
            *self._cgroup_mounts(),
            "mount -o remount,bind,ro /sys",
            "echo ready",
            f"exec </dev/null >>{self.console} 2>&1",
            f"exec setpriv --bounding-set {','.join('-' + c for c in DROP_CAPS)} --"
            f" env -i container=other PATH={PATH} LANG=C.UTF-8 {SYSTEMD} --system"
            f" --unit={TARGET} --log-target=journal --show-status=false",
        ]
        script = self.base / "boot.sh"
        script.write_text("\n".join(inner) + "\n")
        self._launch(script)

    # -- set-up ------------------------------------------------------------------------------

    def _mask_and_add_units(self) -> None:
        units = self.upper("/etc/systemd/system")
        units.mkdir(parents=True)
        for name in to_mask(host_units()):
            (units / name).symlink_to("/dev/null")
        (units / TARGET).write_text(TEST_TARGET)
        generators = self.upper("/etc/systemd/system-generators")
        generators.mkdir(parents=True)
        for directory in filter(Path.is_dir, GENERATOR_DIRS):
            for path in directory.glob("*"):
                (generators / path.name).unlink(missing_ok=True)
                (generators / path.name).symlink_to("/dev/null")

    def _dev_mounts(self) -> list[str]:
        lines = [
            f"olddev={self.base}/olddev && mkdir $olddev",
            "mount --rbind /dev $olddev",
            "mount -t tmpfs -o mode=0755,nosuid tmpfs /dev",
        ]
        for node in ("null", "zero", "full", "random", "urandom", "tty"):
            lines.append(f"touch /dev/{node} && mount --bind $olddev/{node} /dev/{node}")
        lines += [
            f"touch /dev/console && mount --bind {self.console} /dev/console",
            "umount -l $olddev && rmdir $olddev",
            "mkdir /dev/pts /dev/shm /dev/mqueue",
            "mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts /dev/pts",
            "ln -s pts/ptmx /dev/ptmx",
            "mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm",
            "mount -t mqueue -o nosuid,nodev,noexec mqueue /dev/mqueue",
            "ln -s /proc/self/fd /dev/fd",
            "ln -s /proc/self/fd/0 /dev/stdin",
            "ln -s /proc/self/fd/1 /dev/stdout",
            "ln -s /proc/self/fd/2 /dev/stderr",
        ]
        return lines

    def _cgroup_mounts(self) -> list[str]:
        """Make this run's cgroup in every hierarchy; the namespace mounts them as its roots."""
        hierarchies = _cgroup_hierarchies()
        # a tmpfs holding the hierarchies (hybrid or v1), unless cgroup2 alone is the root
        holder = all(point != "/sys/fs/cgroup" for point, _, _ in hierarchies)
        lines = ["mount -t tmpfs -o mode=0755,nosuid,nodev,noexec tmpfs /sys/fs/cgroup"] * holder
        for point, opts, ours in hierarchies:
            parent = Path(point + ours.rstrip("/"))
            mine = parent / self.name
            mine.mkdir()
            self.cgroups.append(mine)
            for knob in ("cpuset.cpus", "cpuset.mems"):
                if (parent / knob).exists():
                    (mine / knob).write_text((parent / knob).read_text())
            kind = f"-t cgroup -o nosuid,nodev,noexec,{opts}" if opts else "-t cgroup2"
            lines.append(f"mkdir -p {point} && mount {kind} cgroup {point}")
        if holder:
            lines.append("mount -o remount,ro /sys/fs/cgroup")
        return lines

    def _launch(self, script: Path) -> None:
        procs = [str(c / "cgroup.procs") for c in self.cgroups]

        def join_cgroups() -> None:  # in the child, before unshare: the cgroup namespace's root
            for path in procs:
                with open(path, "w") as f:
                    f.write(str(os.getpid()))
            # if this test process dies, unshare gets SIGKILL, and --kill-child kills PID 1
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)

        self.unshare = subprocess.Popen(
            [
                "unshare",
                *NAMESPACES,
                "--fork",
                "--propagation",
                "private",
                "--kill-child",
                "--",
                "/bin/sh",
                str(script),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=join_cgroups,
            start_new_session=True,
        )
        assert self.unshare.stdout is not None
        line = self.unshare.stdout.readline().strip()
        if line != b"ready":
            self.unshare.wait(timeout=30)
            err = self.unshare.stderr.read().decode(errors="replace") if self.unshare.stderr else ""
            raise RuntimeError(
                "cannot make the namespaces for systemd (does the kernel allow unshare of "
                f"pid/mount/net/cgroup namespaces to root here?): {line!r} {err}"
            )
        children = Path(f"/proc/{self.unshare.pid}/task/{self.unshare.pid}/children")
        deadline = time.monotonic() + 10
        while not self.pid and time.monotonic() < deadline:
            found = children.read_text().split()
            self.pid = int(found[0]) if found else 0
            time.sleep(0.05)
        if not self.pid:
            raise RuntimeError("the namespace's PID 1 did not start")

    # -- use -----------------------------------------------------------------------------------

    def upper(self, path: str) -> Path:
        """Where a file the namespace wrote at ``path`` (under /etc, /var, /opt) lies here."""
        layer, _, rest = path.lstrip("/").partition("/")
        return self.base / "upper" / layer / rest

    def run(
        self,
        *cmd: str,
        env: dict[str, str] | None = None,
        timeout: float = 120,
        check: bool = True,
        stdin: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """``cmd`` as root in every namespace of the booted systemd."""
        full = ["nsenter", "--target", str(self.pid), *NAMESPACES, "--", *cmd]
        done = subprocess.run(
            full,
            env={"PATH": PATH, "LANG": "C.UTF-8", **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            input=stdin,
        )
        if check:
            assert done.returncode == 0, f"{cmd}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done

    def systemctl(self, *args: str, check: bool = True) -> str:
        return self.run("systemctl", "--no-pager", *args, check=check).stdout.strip()

    def wait_booted(self, timeout: float = 60) -> str:
        """Wait until systemd finished starting its target; its state (running/degraded)."""
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            state = self.run("systemctl", "is-system-running", check=False).stdout.strip()
            if state in ("running", "degraded"):
                return state
            time.sleep(0.5)
        raise AssertionError(f"systemd did not finish booting ({state}):\n{self.log()}")

    def log(self) -> str:
        return self.console.read_text(errors="replace")[-5000:]

    # -- tear-down -----------------------------------------------------------------------------

    def close(self) -> None:
        """Keep the journal (``journal.txt`` beside the overlays, to read after a failure), then
        SIGKILL the namespace's PID 1 (and so every process in it); remove its cgroups."""
        if self.pid:
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                journal = self.run("journalctl", "-b", "--no-pager", timeout=30, check=False)
                (self.base / "journal.txt").write_text(journal.stdout + journal.stderr)
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        if self.unshare is not None:
            try:
                self.unshare.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.unshare.pid, signal.SIGKILL)
                self.unshare.wait(timeout=30)
        left = self.remove_cgroups()
        assert not left, f"processes left in the namespace's cgroups: {left}"

    def remove_cgroups(self) -> list[str]:
        """rmdir this run's cgroups; the PIDs still in them, if any."""
        left: list[str] = []
        for top in self.cgroups:
            if top.exists():
                left += [f"{top}: {pid}" for pid in _rmdir_tree(top)]
        return left
