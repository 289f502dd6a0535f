"""Starting and stopping a real server process on loopback, for the tests that need one.

One copy of the free-port / wait-until-listening / stop-cleanly dance that the gunicorn tests
in tests/deploy, tests/intake and tests/tor all need, and of the intake under gunicorn as
``bisik.service`` runs it (:class:`IntakeNode`; bench/tor_upload_bench.py starts it so too).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

# Ports handed out by free_port in this process; never handed out twice.
_HANDED_OUT: set[int] = set()
# The lowest port free_port picks from: above the well-known ports and the usual service
# ports (PostgreSQL 5432, Redis 6379) that a machine running the tests may already listen on.
_LOWEST = 10000


def _ephemeral_range() -> tuple[int, int]:
    """The ports the kernel picks outgoing connections' local ports from (Linux's default if
    the sysctl cannot be read)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now, and that no outgoing
    connection will take before the server it is meant for binds it.

    A port from ``bind(("127.0.0.1", 0))`` comes from the ephemeral range, which is also where
    the kernel takes the local port of every outgoing connection. Between choosing the port and
    the server's bind, a tor connecting to another tor, or a database client, can be given it,
    and the server then fails with "Address already in use" (CI saw a test network's relay fail
    so). So the port is drawn at random from outside that range, checked by binding it, and not
    handed out twice by this process.
    """
    low, high = _ephemeral_range()
    candidates = [*range(_LOWEST, low), *range(high + 1, 65536)]
    if not candidates:  # the whole space is ephemeral: the kernel's own pick is all there is
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])
    rng = secrets.SystemRandom()
    for _ in range(1000):
        port = rng.choice(candidates)
        if port in _HANDED_OUT:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    raise RuntimeError(f"no free loopback port outside the ephemeral range {low}-{high}")


def wait_for_port(
    proc: subprocess.Popen[Any],
    port: int,
    *,
    timeout: float = 60.0,
    what: str = "server",
    why: Callable[[], str] = lambda: "",
) -> None:
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
    cmd: Sequence[str],
    port: int,
    *,
    cwd: Path,
    env: dict[str, str],
    timeout: float = 60.0,
    what: str = "server",
    why: Callable[[], str] = lambda: "",
    **popen: Any,
) -> Iterator[subprocess.Popen[Any]]:
    """Run ``cmd`` until the block ends, yielding once it listens on ``port``."""
    proc = subprocess.Popen(list(cmd), cwd=cwd, env=env, **popen)
    try:
        wait_for_port(proc, port, timeout=timeout, what=what, why=why)
        yield proc
    finally:
        stop(proc)


class OwnRedis:
    """A redis-server of our own on a free loopback port, without persistence, that a test or
    a fault run may stop and start again (the shared one on 6379 is never touched)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed: run scripts/install-system-deps.sh")
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.proc, self.port, timeout=20, what="redis-server")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
            self.proc = None


class OwnPostgres:
    """A PostgreSQL cluster of our own (initdb in ``base``, a free port, run as the postgres
    user), which a fault run may stop and restart; the shared server on 5432 is never touched.
    Without ``base`` it lives in a fresh directory under /tmp that the postgres user can reach
    (pytest's tmp_path cannot be), removed by :meth:`remove`."""

    def __init__(self, base: Path | None = None) -> None:
        self.own_dir = base is None
        self.base = Path(tempfile.mkdtemp(prefix="bisik-pg-")) if base is None else base
        self.port = free_port()
        self.data = self.base / "pgdata"
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not bins:
            pytest.fail("PostgreSQL is not installed: run scripts/install-system-deps.sh")
        self.bin = bins[-1]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *cmd: str) -> None:
        quiet = subprocess.DEVNULL
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *cmd],
            check=True,
            stdout=quiet,
            stderr=quiet,
            timeout=120,
        )

    def init(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        self.base.chmod(0o755)
        shutil.chown(self.base, "postgres", "postgres")
        self._as_postgres(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
        )

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.base}"
        self._as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.base / "pg.log"),
            "-o",
            options,
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        """Delete the cluster's directory (stop it first), if this object made it."""
        if self.own_dir:
            shutil.rmtree(self.base, ignore_errors=True)


# ---- the intake under gunicorn, as bisik.service runs it ------------------------------------

ROOT = Path(__file__).resolve().parents[1]
SHARED_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """In the child: get ``sig`` when the test process dies, even by SIGKILL (Linux prctl).

    The kernel sends it when the thread that started the child ends, so start such children
    from the main thread (as pytest's fixtures run).
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, sig)  # PR_SET_PDEATHSIG


def clean_env() -> dict[str, str]:
    """This process's environment without any BISIK_ setting (a node gets only its own)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("BISIK_")}


class IntakeNode:
    """One intake node: the intake under gunicorn with ``deploy/gunicorn.conf.py`` on its own
    port and its own home, as ``bisik.service`` runs it. Its logs (the app's, gunicorn's error
    log, and anything printed on stdout or stderr) are files in :attr:`logs`; the process ends
    with the test process, even on SIGKILL.

    For scale-out the home is a copy of a server home (same secrets and organisation, as an
    operator copies them to each machine) and ``env`` names the shared database and Redis
    (``BISIK_DB_URL``, ``BISIK_BLOB_STORE=database``, ``BISIK_LIMITER_STORAGE``)."""

    def __init__(
        self,
        name: str,
        home: Path,
        env: dict[str, str],
        *,
        threads: int = 4,
        workers: int = 1,
        logs: Path | None = None,
    ) -> None:
        self.name, self.home = name, home
        self.port = free_port()
        self.logs = logs or home.parent / f"{name}-logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.env = {
            **env,
            "BISIK_HOME": str(home),
            "TMPDIR": str(home / "tmp"),
            "BISIK_LOG_FILE": str(self.logs / "intake.log"),
            "BISIK_GUNICORN_ERRORLOG": str(self.logs / "gunicorn.log"),
            "BISIK_LISTEN": f"127.0.0.1:{self.port}",
            "BISIK_WORKERS": str(workers),
            "BISIK_THREADS": str(threads),
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> IntakeNode:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start gunicorn and return once the node listens (``with node:`` also stops it)."""
        self.launch()
        self.wait_listening()

    def launch(self) -> None:
        """Start gunicorn without waiting (:meth:`wait_listening` waits)."""
        gunicorn = Path(sys.executable).parent / "gunicorn"
        cmd = [
            str(gunicorn),
            "--config",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "intake.wsgi:app",
        ]
        (self.home / "tmp").mkdir(exist_ok=True, mode=0o700)
        with (self.logs / "console.log").open("ab") as console:
            self.proc = subprocess.Popen(
                cmd,
                cwd=self.home,
                env=self.env,
                stdout=console,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent,
            )

    def wait_listening(self, what: str = "") -> None:
        """Return once the node accepts connections; fail the test if gunicorn exits first."""
        assert self.proc is not None
        what = what or f"intake node {self.name}"
        wait_for_port(self.proc, self.port, what=what, why=self.log_tail)

    def kill(self) -> None:
        """SIGKILL the node's workers and its gunicorn arbiter, each by PID, as a crash does."""
        assert self.proc is not None
        for child in child_pids(self.proc.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
        self.proc.kill()
        self.proc.wait(timeout=30)
        self.proc = None

    def stop(self) -> None:
        """Graceful stop (SIGTERM, SIGKILL after 30 s) if still running."""
        if self.proc is not None:
            stop(self.proc)
            self.proc = None

    def printed(self) -> str:
        """Everything the node wrote: its log files and its stdout and stderr."""
        files = sorted(p for p in self.logs.iterdir() if p.is_file())
        return "".join(p.read_text(errors="replace") for p in files)

    def log_tail(self) -> str:
        """The end of the node's gunicorn log and console (for a failure message)."""
        parts = [self.logs / "gunicorn.log", self.logs / "console.log"]
        return "".join(p.read_text(errors="replace")[-2000:] for p in parts if p.exists())


def child_pids(pid: int) -> list[int]:
    """PIDs whose parent is ``pid`` (gunicorn's workers), from /proc."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                out.append(int(stat.parent.name))
    return out


@contextmanager
def own_database(url: str = SHARED_PG) -> Iterator[str]:
    """A fresh PostgreSQL database on the shared server (dropped afterwards); its URL."""
    import sqlalchemy as sa

    name = "bisik_" + secrets.token_hex(6)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def intake_nodes(
    server_home: Path,
    base: Path,
    *,
    db_url: str,
    redis_url: str,
    count: int = 2,
    threads: int = 4,
    blob_store: str = "database",
) -> Iterator[list[IntakeNode]]:
    """``count`` intake nodes on copies of ``server_home`` under ``base``, sharing only the
    database at ``db_url`` (blobs too) and the Redis at ``redis_url``; stopped at the end."""
    env = clean_env() | {
        "BISIK_DB_URL": db_url,
        "BISIK_BLOB_STORE": blob_store,
        "BISIK_LIMITER_STORAGE": redis_url,
    }
    nodes = []
    for i in range(1, count + 1):
        home = base / f"node{i}" / "home"
        local = shutil.ignore_patterns("*.sqlite*", "blobs", "uploads", "upload-ranges", "tmp")
        shutil.copytree(server_home, home, ignore=local)
        nodes.append(IntakeNode(f"node{i}", home, env, threads=threads))
    try:
        for node in nodes:
            node.start()
        yield nodes
    finally:
        for node in nodes:
            node.stop()
