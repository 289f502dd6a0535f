"""Load with faults: submissions under kill -9, PostgreSQL and Redis outages, and a full disk.

A bounded load generator on 127.0.0.1 drives a real gunicorn (``intake.gunicorn_conf``, gevent,
2 workers) over a PostgreSQL cluster and a redis-server of this run's own (free ports; the
shared servers are never touched), with a mix of no-JS reports (text, some with a file),
JavaScript-path reports (sealed here, evidence uploaded in pieces) and no-JS follow-ups with
receipts answered earlier. While it runs, faults are injected in turn:

  * ``kill -9`` of one gunicorn worker (during uploads);
  * ``kill -9`` of the whole server (master and workers), then a restart;
  * ``kill -9`` of ``bisik-server export`` and ``backup`` half way;
  * PostgreSQL stopped (``-m immediate``, a crash) and started again;
  * Redis stopped and started again (empty: it has no persistence).

Then, and after a disk-full phase on a small tmpfs (writes until ENOSPC), it checks:
  * every receipt the server answered opens its case (lookup in the vault);
  * no half case: a full ``bisik-server backup`` (every case's blobs read and hash-checked)
    and an ``export`` succeed;
  * nothing readable on disk: no file under the server home, its temp dir or the database
    cluster contains any report's marker text or a file's plaintext marker.

    .venv/bin/python bench/load_faults.py --target 600        # development
    .venv/bin/python bench/load_faults.py --target 5000       # the figures for the note

Prints what was sent, accepted, refused (by kind of error) and lost (accepted but not found:
must be 0), per phase, with the time each took.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import http.client
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crypto import document, envelope, receipt  # noqa: E402
from crypto.directory import verify_directory  # noqa: E402
from crypto.encoding import b64u_encode  # noqa: E402
from crypto.keys import load_ed25519_public, raw_public  # noqa: E402
from intake import demo  # noqa: E402
from tests.intake.helpers import report_fields  # noqa: E402
from tests.servers import OwnPostgres, OwnRedis, clean_env, free_port, wait_for_port  # noqa: E402
from tests.slowclients import BOUNDARY  # noqa: E402
from vault.store import Vault  # noqa: E402

MARK = b"PLAINMARK"  # every report text and file carries it; it must never be on disk
LIMITS = """
[limits]
submit_session = "1000000/hour"
submit_global = "1000000/minute"
receipt_session = "1000000/hour"
receipt_global = "1000000/minute"
upload_session = "1000000/hour"
upload_global = "1000000/minute"
"""


# --------------------------------------------------------------------------- the server
class Server:
    """gunicorn on a free port; ``kill_worker`` and ``crash`` are the kill -9 faults."""

    def __init__(self, home: Path, log: Path) -> None:
        self.home, self.log = home, log
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **clean_env(),
            "BISIK_HOME": str(self.home),
            "BISIK_LISTEN": f"127.0.0.1:{self.port}",
            "BISIK_WORKERS": "2",
            "BISIK_GUNICORN_ERRORLOG": str(self.log),
            "BISIK_LOG_FILE": str(self.log.with_suffix(".intake.log")),
            "TMPDIR": str(self.home / "tmp"),
        }
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:intake.gunicorn_conf",
            "intake.wsgi:app",
        ]
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for_port(self.proc, self.port, timeout=60, what="gunicorn")

    def workers(self) -> list[int]:
        assert self.proc is not None
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def kill_worker(self) -> None:
        pids = self.workers()
        if pids:
            os.kill(random.choice(pids), signal.SIGKILL)

    def crash(self) -> None:
        assert self.proc is not None
        pids = self.workers()
        self.proc.send_signal(signal.SIGKILL)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait()
        self.proc = None
        while any(Path(f"/proc/{pid}").exists() for pid in pids):  # reaped by init
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            started = time.monotonic()
            try:
                self.proc.wait(timeout=120)  # graceful_timeout is 60 s
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            if time.monotonic() - started > 10:
                print(f"  (gunicorn took {time.monotonic() - started:.0f} s to stop)")
            self.proc = None


# --------------------------------------------------------------------------- the clients
@dataclass
class Tally:
    """What the load did; ``accepted`` holds (kind, receipt or lookup id) of answered ones."""

    sent: collections.Counter[str] = field(default_factory=collections.Counter)
    refused: collections.Counter[str] = field(default_factory=collections.Counter)
    accepted: list[tuple[str, str]] = field(default_factory=list)
    followups: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, kind: str) -> int:
        return sum(1 for k, _ in self.accepted if k == kind)


def _request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, str, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace"), resp
    finally:
        conn.close()


def _session(port: int) -> tuple[str, str, str]:
    status, page, resp = _request(port, "GET", "/submit")
    if status != 200:
        raise OSError(f"submit page {status}")
    cookie = (resp.getheader("Set-Cookie") or "").split(";")[0]
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page)
    form = re.search(r'name="submission" value="([0-9a-f]{32})"', page)
    assert csrf and form
    return cookie, csrf.group(1), form.group(1)


def _multipart(fields: dict[str, Any], file: bytes | None) -> bytes:
    out = io.BytesIO()
    for name, values in fields.items():
        for value in values if isinstance(values, list) else [values]:
            out.write(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
    if file is not None:
        out.write(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="evidence_1"; '
            'filename="bukti.txt"\r\nContent-Type: text/plain\r\n\r\n'.encode()
        )
        out.write(file + b"\r\n")
    out.write(f"--{BOUNDARY}--\r\n".encode())
    return out.getvalue()


def nojs_report(port: int, tally: Tally, with_file: bool) -> None:
    cookie, csrf, form = _session(port)
    fields = report_fields(
        csrf, submission=form, description=f"{MARK.decode()} {uuid.uuid4()} laporan uji beban"
    )
    file = MARK + os.urandom(8) * (1 + 4096 * random.randint(1, 16)) if with_file else None
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Cookie": cookie}
    status, page, _ = _request(port, "POST", "/submit", _multipart(fields, file), headers)
    code = re.search(r'<code id="receipt">([0-9A-Z-]+)</code>', page)
    if status == 200 and code:
        with tally.lock:
            tally.accepted.append(("nojs", code.group(1)))
    else:
        raise OSError(f"submit {status}")


def js_report(port: int, tally: Tally, keys: list[Any], with_file: bool) -> None:
    cookie, csrf, _ = _session(port)
    api = {"Cookie": cookie, "X-CSRF-Token": csrf}

    def call(method: str, path: str, body: Any, **extra: str) -> Any:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        kind = "application/octet-stream" if isinstance(body, bytes) else "application/json"
        status, text, _ = _request(port, method, path, raw, {**api, "Content-Type": kind, **extra})
        if status >= 300:
            raise OSError(f"{path} {status}")
        return json.loads(text)

    evidence = []
    if with_file:
        sealed = envelope.seal(MARK + os.urandom(100_000), keys)
        start = call("POST", "/api/uploads", {"size": len(sealed)})
        token = {"X-Upload-Token": start["token"]}
        for off in range(0, len(sealed), 32768):
            call(
                "PUT",
                f"/api/uploads/{start['id']}?offset={off}",
                sealed[off : off + 32768],
                **token,
            )
        evidence.append(call("POST", f"/api/uploads/{start['id']}/finish", {}, **token))
    code = receipt.generate()
    sec = receipt.derive(code)
    doc = document.Document(
        type="report",
        submitted_at=document.now(),
        channel="browser",
        fields={"description": f"{MARK.decode()} {uuid.uuid4()}"},
        reply_key=b64u_encode(raw_public(sec.reply_public)),
    )
    call(
        "POST",
        "/api/reports",
        {
            "lookup_id": b64u_encode(sec.lookup_id),
            "reply_public": b64u_encode(raw_public(sec.reply_public)),
            "report": b64u_encode(envelope.seal(doc.to_bytes(), keys)),
            "evidence": evidence,
        },
    )
    with tally.lock:
        tally.accepted.append(("js", code))


def followup(port: int, tally: Tally) -> None:
    with tally.lock:
        known = [c for _, c in tally.accepted[-200:]]
    if not known:
        return
    cookie, csrf, _ = _session(port)
    body = f"csrf_token={csrf}&receipt={random.choice(known)}".encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    status, _, _ = _request(port, "POST", "/followup", body, headers)
    if status != 200:
        raise OSError(f"followup {status}")
    with tally.lock:
        tally.followups += 1


def loader(
    port_of: Callable[[], int], tally: Tally, keys: list[Any], stop: threading.Event, target: int
) -> None:
    while not stop.is_set() and len(tally.accepted) < target:
        roll = random.random()
        kind = (
            "nojs"
            if roll < 0.55
            else "nojs-file"
            if roll < 0.7
            else "js"
            if roll < 0.82
            else "js-file"
            if roll < 0.9
            else "followup"
        )
        with tally.lock:
            tally.sent[kind] += 1
        try:
            port = port_of()
            if kind.startswith("nojs"):
                nojs_report(port, tally, kind == "nojs-file")
            elif kind.startswith("js"):
                js_report(port, tally, keys, kind == "js-file")
            else:
                followup(port, tally)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            with tally.lock:
                tally.refused[f"{kind}: {str(exc)[:40] or type(exc).__name__}"] += 1
            time.sleep(0.05)


# --------------------------------------------------------------------------- the checks
def lost_receipts(home: Path, db_url: str, accepted: list[tuple[str, str]]) -> list[str]:
    pepper = (home / "secrets" / "pepper").read_bytes()
    vault = Vault.open(db_url, home)
    try:
        return [
            code
            for _, code in accepted
            if vault.case_by_lookup(receipt.lookup_tag(pepper, receipt.derive(code).lookup_id))
            is None
        ]
    finally:
        vault.close()


def readable_files(*roots: Path) -> list[str]:
    found = []
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                try:
                    if MARK in path.read_bytes():
                        found.append(str(path))
                except OSError:
                    continue
    return found


def log_summary(base: Path, pattern: str = "gunicorn.*log") -> collections.Counter[str]:
    """Warning and error lines of the service's logs (they carry types, never data); the
    refusals a reporter is told about (logged ``submission refused``) are left out."""
    lines: collections.Counter[str] = collections.Counter()
    for path in base.glob(pattern):
        for line in path.read_text(errors="replace").splitlines():
            if ("WARNING" in line or "ERROR" in line) and "submission refused" not in line:
                lines[re.sub(r"\[\d+\]|pid:\d+|\[\d{4}-\d\d-\d\d\]", "", line)[:110]] += 1
    return lines


def server_cli(home: Path, db_url: str, *args: str, kill_after: float | None = None) -> int:
    env = {**os.environ, "BISIK_HOME": str(home), "BISIK_DB_URL": db_url}
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "bisik-server"), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    if kill_after is not None:
        time.sleep(kill_after)
        proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=600)
    if proc.returncode and kill_after is None:
        print(f"  bisik-server {args[0]} said: {err.decode(errors='replace').strip()[-300:]}")
    return proc.returncode


# --------------------------------------------------------------------------- the run
def make_home(base: Path, db_url: str, redis_url: str, min_free: int = 64 << 20) -> Path:
    made = demo.create(base, use_tool=False)
    home = made.server_home
    toml = home / "server.toml"
    text = toml.read_text().split("[limits]")[0]
    text = re.sub(r"(?m)^(db_url|limiter_storage|min_free_bytes) = .*\n", "", text)
    toml.write_text(
        f'db_url = "{db_url}"\nlimiter_storage = "{redis_url}"\n'
        f"min_free_bytes = {min_free}\n" + text + LIMITS
    )
    return home


def reviewer_keys(home: Path) -> list[Any]:
    root = load_ed25519_public((home / "org" / "root.pub").read_bytes())
    directory = verify_directory((home / "org" / "directory.json").read_bytes(), root)
    return [r.keys.encryption for r in directory.active_reviewers()]


def run_load(
    server: Server,
    home: Path,
    pg: OwnPostgres,
    redis: OwnRedis,
    target: int,
    clients: int,
    tally: Tally,
) -> list[tuple[str, float]]:
    keys = reviewer_keys(home)
    stop = threading.Event()
    threads = [
        threading.Thread(target=loader, args=(lambda: server.port, tally, keys, stop, target))
        for _ in range(clients)
    ]
    for t in threads:
        t.start()
    faults: list[tuple[str, float]] = []

    def at(share: float) -> None:
        while len(tally.accepted) < target * share and any(t.is_alive() for t in threads):
            time.sleep(0.2)

    def fault(name: str, action: Callable[[], None]) -> None:
        started = time.monotonic()
        action()
        faults.append((name, time.monotonic() - started))

    def crash_restart() -> None:
        server.crash()
        server.start()

    def pg_crash() -> None:
        pg.stop("immediate")
        time.sleep(3)
        pg.start()

    def redis_down() -> None:
        redis.stop()
        time.sleep(3)
        redis.start()

    db_url = pg.url
    plan: list[tuple[float, str, Callable[[], None]]] = [
        (0.10, "kill -9 one worker", server.kill_worker),
        (0.20, "kill -9 the whole server + restart", crash_restart),
        (
            0.30,
            "kill -9 export half way",
            lambda: server_cli(
                home, db_url, "export", "--out", str(home.parent / "x.bundle"), kill_after=0.5
            ),
        ),
        (0.40, "PostgreSQL crash (stop -m immediate) + start", pg_crash),
        (0.50, "kill -9 one worker", server.kill_worker),
        (0.60, "Redis down 3 s + start (empty)", redis_down),
        (
            0.70,
            "kill -9 backup half way",
            lambda: server_cli(
                home, db_url, "backup", "--out", str(home.parent / "x.tar"), kill_after=0.5
            ),
        ),
        (0.80, "kill -9 the whole server + restart", crash_restart),
        (0.90, "kill -9 one worker", server.kill_worker),
    ]
    for share, name, action in plan:
        at(share)
        fault(name, action)
    for t in threads:
        t.join()
    return faults


def disk_full_phase(base: Path, pg: OwnPostgres, redis: OwnRedis, clients: int) -> dict[str, Any]:
    """A second home on a 48 MiB tmpfs with no free-space floor: uploads until ENOSPC."""
    mount = base / "small"
    mount.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=48m,mode=0755", "tmpfs", str(mount)], check=True
    )
    try:
        home = make_home(
            mount / "demo", pg.url.rsplit("/", 1)[0] + "/diskfull", redis.url, min_free=0
        )
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(pg.bin / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(pg.port),
                "diskfull",
            ],
            check=True,
        )
        db_url = pg.url.rsplit("/", 1)[0] + "/diskfull"
        server = Server(home, base / "gunicorn-diskfull.log")
        server.start()
        tally = Tally()
        keys = reviewer_keys(home)
        stop = threading.Event()

        def fill() -> None:
            while not stop.is_set():
                with tally.lock:
                    tally.sent["nojs-file"] += 1
                try:
                    nojs_report(server.port, tally, True)
                except (OSError, http.client.HTTPException) as exc:
                    with tally.lock:
                        tally.refused[str(exc)[:30]] += 1

        threads = [threading.Thread(target=fill) for _ in range(clients)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and shutil.disk_usage(mount).free > (1 << 20):
            time.sleep(0.5)
        time.sleep(5)  # keep writing into the full disk for a while
        stop.set()
        for t in threads:
            t.join()
        del keys
        server.stop()
        free_full = shutil.disk_usage(mount).free
        lost = lost_receipts(home, db_url, tally.accepted)
        readable = readable_files(mount)
        refused_full = server_cli(home, db_url, "backup", "--out", str(base / "full.tar"))
        # the operator makes room (here: a larger tmpfs); then every case must back up whole
        subprocess.run(["mount", "-o", "remount,size=96m", str(mount)], check=True)
        backup = server_cli(home, db_url, "backup", "--out", str(base / "diskfull.tar"))
        return {
            "sent": sum(tally.sent.values()),
            "accepted": len(tally.accepted),
            "refused": dict(tally.refused),
            "lost": len(lost),
            "readable": readable,
            "backup_rc": backup,
            "backup_on_full_disk_rc": refused_full,
            "free_bytes_at_end": free_full,
        }
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=int, default=600, help="accepted submissions to reach")
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--no-disk-full", action="store_true")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bisik-faults-"))
    base.chmod(0o755)
    pg, redis = OwnPostgres(base / "pg"), OwnRedis()
    server: Server | None = None
    try:
        pg.init()
        pg.start()
        redis.start()
        home = make_home(base / "demo", pg.url, redis.url)
        server = Server(home, base / "gunicorn.log")
        server.start()
        tally = Tally()
        started = time.monotonic()
        faults = run_load(server, home, pg, redis, args.target, args.clients, tally)
        took = time.monotonic() - started
        server.stop()
        lost = lost_receipts(home, pg.url, tally.accepted)
        backup = server_cli(home, pg.url, "backup", "--out", str(base / "final.tar"))
        export = server_cli(home, pg.url, "export", "--out", str(base / "final.bundle"))
        readable = readable_files(home, pg.data, base / "final.tar", base / "final.bundle")
        print(
            f"\nload with faults: {args.clients} clients, 2 gevent workers, own PostgreSQL and "
            f"Redis, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
        )
        print(f"  took {took:.0f} s; sent {sum(tally.sent.values())} ({dict(tally.sent)})")
        print(
            f"  accepted {len(tally.accepted)} submissions (no-JS {tally.count('nojs')}, JS "
            f"{tally.count('js')}), {len(tally.accepted) / took:.1f}/s; follow-ups served "
            f"{tally.followups}"
        )
        print(f"  refused or cut by the faults: {sum(tally.refused.values())}")
        for reason, n in tally.refused.most_common(8):
            print(f"    {n:5d}  {reason}")
        print("  faults injected:")
        for name, seconds in faults:
            print(f"    {name} ({seconds:.1f} s)")
        print(f"  LOST (answered but no case): {len(lost)}")
        print(
            f"  backup after the run: {'ok' if backup == 0 else f'FAILED rc={backup}'}; "
            f"export: {'ok' if export == 0 else f'FAILED rc={export}'}"
        )
        print(f"  files with readable report text or file content: {len(readable)} {readable[:3]}")
        print("  service log lines (warnings and errors, by text):")
        for line, n in log_summary(base).most_common(10):
            print(f"    {n:5d}  {line}")
        if not args.no_disk_full:
            full = disk_full_phase(base, pg, redis, 4)
            print(
                f"\ndisk full (48 MiB tmpfs, no floor): sent {full['sent']}, accepted "
                f"{full['accepted']}, lost {full['lost']}, refused {full['refused']}, "
                f"readable files {len(full['readable'])}, backup on the full disk rc "
                f"{full['backup_on_full_disk_rc']} (refused, no half file), after making room "
                f"rc {full['backup_rc']}, "
                f"free when full {full['free_bytes_at_end']} bytes"
            )
            print("  service log lines of the disk-full phase (warnings and errors, by text):")
            for line, n in log_summary(base, "gunicorn-diskfull*log").most_common(10):
                print(f"    {n:5d}  {line}")
    finally:
        if server is not None:
            server.stop()
        redis.stop()
        with contextlib.suppress(subprocess.SubprocessError):
            pg.stop("fast")
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
