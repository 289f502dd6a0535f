"""How long a normal reporter waits while N slow clients hold connections: old and new workers.

For each setting, in interleaved rounds (every setting and N once per round), a real gunicorn
serves a demo home on 127.0.0.1; N slow clients (a third trickling a request head, a third a
no-JS report body with a session cookie, a third a cookie-less urlencoded POST, one byte a
second each) connect; one second later a reporter loads the submit page and sends a text-only
no-JS report. Printed: the reporter's total time, median over rounds with [min–max], beside
the baseline (N = 0) of the same setting in the same run; "cut" when the reporter got no
answer within the timeout.

Settings:
  * old-1x8   - the threaded worker (gthread), 1 worker x 8 threads: the demo the review stopped;
  * old-2x16  - gthread, 2 workers x 16 threads;
  * new-1     - intake.gunicorn_conf as shipped (gevent), 1 worker;
  * new-2     - the same, 2 workers.

    .venv/bin/python bench/slow_clients.py                 # 3 rounds, N in 0 8 64 256
    .venv/bin/python bench/slow_clients.py --rounds 5 --clients 0 8 64 256 1000
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from intake import demo  # noqa: E402
from tests.intake.helpers import report_fields  # noqa: E402
from tests.servers import clean_env, free_port, serving  # noqa: E402
from tests.slowclients import Trickle, sessions, submit_text, visit  # noqa: E402

LIMITS = """
[limits]
submit_session = "1000000/hour"
submit_global = "1000000/minute"
receipt_session = "1000000/hour"
receipt_global = "1000000/minute"
upload_session = "1000000/hour"
upload_global = "1000000/minute"
"""
SETTINGS = {
    "old-1x8": ("1", ["--worker-class", "gthread", "--threads", "8"]),
    "old-2x16": ("2", ["--worker-class", "gthread", "--threads", "16"]),
    "new-1": ("1", []),
    "new-2": ("2", []),
}


@contextmanager
def server(home: Path, name: str) -> Iterator[int]:
    workers, extra = SETTINGS[name]
    port = free_port()
    env = {
        **clean_env(),
        "BISIK_HOME": str(home),
        "BISIK_LISTEN": f"127.0.0.1:{port}",
        "BISIK_WORKERS": workers,
        "BISIK_GUNICORN_ERRORLOG": os.devnull,
    }
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "python:intake.gunicorn_conf",
        *extra,
        "intake.wsgi:app",
    ]
    with serving(cmd, port, cwd=ROOT, env=env, what=name):
        reporter(port, 60)  # warm: the first requests open the vault and load the templates
        yield port


def reporter(port: int, timeout: float) -> float | None:
    """Seconds for the submit page plus a text-only report; None if not served in time."""
    started = time.monotonic()
    try:
        status, session, _ = visit(port, timeout=timeout)
        left = timeout - (time.monotonic() - started)
        if status != 200 or left <= 0:
            return None
        status, page = submit_text(port, report_fields(session.token), session, timeout=left)
    except OSError:
        return None
    if status != 200 or 'id="receipt"' not in page:
        return None
    return time.monotonic() - started


def measure(port: int, count: int, timeout: float) -> float | None:
    trickle = Trickle(port, interval=1.0)
    try:
        if count:
            cookies = sessions(port, 4)
            third = count // 3
            trickle.open("head", count - 2 * third)
            trickle.open("body-nocookie", third)
            for _ in range(third):
                trickle.open("body", 1, next(cookies))
            trickle.start()
            time.sleep(1.0)
        return reporter(port, timeout)
    finally:
        trickle.close()
        time.sleep(0.5)  # the old workers get their threads back once the sockets close


def cell(values: list[float | None]) -> str:
    served = [v for v in values if v is not None]
    if not served:
        return "cut (no answer)"
    med = statistics.median(served)
    text = f"{med * 1000:7.1f} ms [{min(served) * 1000:.1f}–{max(served) * 1000:.1f}]"
    missed = len(values) - len(served)
    return text + (f" {missed} cut" if missed else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, nargs="+", default=[0, 8, 64, 256])
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS))
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bisik-slow-"))
    try:
        made = demo.create(base / "demo", use_tool=False)
        toml = made.server_home / "server.toml"
        toml.write_text(toml.read_text().split("[limits]")[0] + LIMITS)
        results: dict[tuple[str, int], list[float | None]] = {}
        for _ in range(args.rounds):
            for name in args.settings:
                with server(made.server_home, name) as port:
                    for count in args.clients:
                        value = measure(port, count, args.timeout)
                        results.setdefault((name, count), []).append(value)
        print(
            f"\nreporter's page + text-only no-JS report while N slow clients hold connections"
            f"\n{args.rounds} interleaved rounds, timeout {args.timeout:.0f} s, "
            f"load {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores"
        )
        header = "".join(f"{'N=' + str(n):>32}" for n in args.clients)
        print(f"{'setting':10}{header}")
        for name in args.settings:
            row = "".join(f"{cell(results[(name, n)]):>32}" for n in args.clients)
            print(f"{name:10}{row}")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
