"""bisik.service's kernel-level confinement, exercised at run time without systemd.

The machine has no systemd as PID 1; test_systemd_boot.py starts the unit under one booted in
private namespaces. This file keeps a faster check without it: what can be reproduced
faithfully is the part most likely to break start-up: the unit's SystemCallFilter= lines
(expanded with this machine's `systemd-analyze syscall-filter`, failing other calls with EPERM
as SystemCallErrorNumber= says), MemoryDenyWriteExecute= (the kernel's PR_SET_MDWE) and
NoNewPrivileges=. tests/deploy/sandbox_exec.py applies them and execs the command. Around it,
ProtectSystem=strict with ReadWritePaths= is reproduced in a private mount namespace: the whole
file system read-only except the state, log (and backup) directories and the API file systems
(/dev, /proc, /sys), so a write anywhere else fails the test.

Under that sandbox: gunicorn with deploy/gunicorn.conf.py serves the real intake, takes a
no-JavaScript report with an evidence file (multipart streaming, sealing, blob store,
SQLite), and the backup and retention commands of the timers run. Not reproduced: PrivateTmp=
(here /tmp is read-only, which is stricter), ProtectHome= (this machine's Python lives under
/root), PrivateDevices=, IPAddressDeny= and the other namespace settings.
"""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import free_port, serving

from .conftest import BIN, DEPLOY, need
from .helpers import parse_unit

HERE = Path(__file__).resolve().parent
DEBIAN_PYTHON = "/usr/bin/python3"


def syscall_groups() -> dict[str, list[str]]:
    """`systemd-analyze syscall-filter`: group name -> members (names or @groups)."""
    out = subprocess.run(
        [need("systemd-analyze"), "syscall-filter"], capture_output=True, text=True, check=True
    ).stdout
    groups: dict[str, list[str]] = {}
    current: list[str] = []
    for line in out.splitlines():
        if line.startswith("@"):
            current = groups.setdefault(line.strip(), [])
        elif line.startswith("    ") and not line.strip().startswith("#"):
            current.append(line.strip())
    return groups


def expand(names: list[str], groups: dict[str, list[str]]) -> set[str]:
    found: set[str] = set()
    for name in names:
        found |= expand(groups[name], groups) if name.startswith("@") else {name}
    return found


def allowed_syscalls() -> list[str]:
    """The allow list systemd builds from bisik.service's SystemCallFilter= lines."""
    service = parse_unit((DEPLOY / "systemd/bisik.service").read_text())["Service"]
    groups = syscall_groups()
    allowed = expand(["@default"], groups)  # systemd adds @default to any allow list
    for value in service["SystemCallFilter"]:
        if value.startswith("~"):
            allowed -= expand(value[1:].split(), groups)
        else:
            allowed |= expand(value.split(), groups)
    assert "chown" not in allowed and "read" in allowed  # sanity of the expansion
    return sorted(allowed)


# ProtectSystem=strict + ReadWritePaths=: bind each writable path onto itself, then make the
# root mount read-only; the binds (and /dev, /proc, /sys, separate mounts) stay writable.
_STRICT = (
    'while [ "$1" != -- ]; do mount --bind "$1" "$1" || exit 97; shift; done; shift; '
    'mount -o remount,bind,ro / || exit 97; exec "$@"'
)


def strict(writable: list[Path], command: list[str]) -> list[str]:
    """``command`` in a private mount namespace where only ``writable`` can be written."""
    return [
        need("unshare"),
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        _STRICT,
        "sh",
        *map(str, writable),
        "--",
        *command,
    ]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Command prefix that runs a program under the emulated syscall and memory confinement."""
    probe = subprocess.run(
        [need(DEBIAN_PYTHON), "-c", "import seccomp"], capture_output=True, timeout=60
    )
    if probe.returncode != 0:
        pytest.fail("python3-seccomp is missing: run scripts/install-system-deps.sh")
    listing = tmp_path_factory.mktemp("sandbox") / "syscalls.txt"
    listing.write_text("\n".join(allowed_syscalls()) + "\n")
    return [DEBIAN_PYTHON, str(HERE / "sandbox_exec.py"), str(listing), "--"]


def test_sandbox_is_in_force(sandbox: list[str], tmp_path: Path) -> None:
    """The check can fail: W+X memory and a filtered syscall are refused inside it."""
    wx = "import mmap; mmap.mmap(-1, 4096, prot=mmap.PROT_READ|mmap.PROT_WRITE|mmap.PROT_EXEC)"
    assert subprocess.run([sys.executable, "-c", wx], timeout=60).returncode == 0
    assert subprocess.run([*sandbox, sys.executable, "-c", wx], timeout=60).returncode != 0
    target = tmp_path / "f"
    target.write_text("")
    chown = f"import os; os.chown({str(target)!r}, os.getuid(), os.getgid())"
    assert subprocess.run([*sandbox, sys.executable, "-c", chown], timeout=60).returncode != 0
    ok = subprocess.run([*sandbox, sys.executable, "-c", "print(1)"], capture_output=True)
    assert ok.stdout == b"1\n"
    allowed, other = tmp_path / "state", tmp_path / "elsewhere"
    allowed.mkdir()
    other.mkdir()
    write = "import sys, pathlib; pathlib.Path(sys.argv[1], 'x').write_text('x')"
    for where, expected in ((allowed, 0), (other, 1)):
        run = subprocess.run(
            strict([allowed], [sys.executable, "-c", write, str(where)]),
            capture_output=True,
            timeout=60,
        )
        assert run.returncode == expected, run.stderr
    assert (allowed / "x").exists() and not (other / "x").exists()


@pytest.fixture
def served(sandbox: list[str], home: Path, tmp_path: Path) -> Iterator[int]:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BISIK_")},
        "BISIK_HOME": str(home),
        "TMPDIR": str(home / "tmp"),
        "BISIK_LISTEN": f"127.0.0.1:{port}",
        "BISIK_WORKERS": "1",
        "BISIK_THREADS": "4",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    logs = tmp_path / "log"
    logs.mkdir()
    env["BISIK_LOG_FILE"] = str(logs / "intake.log")
    env["BISIK_GUNICORN_ERRORLOG"] = str(logs / "gunicorn.log")
    cmd = [
        *sandbox,
        str(BIN / "gunicorn"),
        "-c",
        str(DEPLOY / "gunicorn.conf.py"),
        "intake.wsgi:app",
    ]
    log = logs / "gunicorn.log"
    with serving(
        strict([home, logs], cmd),
        port,
        cwd=home,
        env=env,
        what="sandboxed gunicorn",
        why=lambda: log.read_text() if log.exists() else "(no log)",
    ):
        yield port
    assert "WORKER TIMEOUT" not in (logs / "gunicorn.log").read_text()


def _multipart(fields: dict[str, object], files: dict[str, tuple[str, bytes]]) -> tuple[str, bytes]:
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{item}\r\n".encode()
            )
    for name, (filename, content) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def test_sandboxed_intake_takes_a_report(served: int, home: Path) -> None:
    from tests.intake.helpers import report_fields

    port = served
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/submit")
    form = conn.getresponse()
    page = form.read().decode()
    assert form.status == 200
    cookie = (form.getheader("Set-Cookie") or "").split(";")[0]
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert cookie and csrf
    evidence = os.urandom(300_000)
    content_type, body = _multipart(
        report_fields(csrf.group(1), recipient=["ani"]), {"evidence_1": ("bukti.bin", evidence)}
    )
    conn.request(
        "POST", "/submit", body=body, headers={"Content-Type": content_type, "Cookie": cookie}
    )
    reply = conn.getresponse()
    receipt_page = reply.read().decode()
    conn.close()
    assert reply.status == 200, receipt_page[:500]
    assert 'id="receipt"' in receipt_page
    store = home / "blobs"
    blobs = [p for p in store.rglob("*") if p.is_file() and "tmp" not in p.relative_to(store).parts]
    assert sum(p.stat().st_size for p in blobs) > len(evidence)  # report + sealed evidence


def test_sandboxed_timer_jobs_run(sandbox: list[str], home: Path, tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BISIK_")},
        "BISIK_HOME": str(home),
        "TMPDIR": str(home / "tmp"),
    }
    backups = tmp_path / "backups"
    backups.mkdir()
    backup = subprocess.run(
        strict(
            [home, backups],
            [*sandbox, str(BIN / "bisik-server"), "backup", "--out", str(backups / "b.backup")],
        ),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert backup.returncode == 0, backup.stderr
    assert (backups / "b.backup").stat().st_size > 0
    retention = subprocess.run(
        strict([home], [*sandbox, str(BIN / "bisik-server"), "retention"]),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert retention.returncode == 0, retention.stderr
