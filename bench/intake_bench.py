"""Benchmark of the intake service's no-JavaScript path through gunicorn on 127.0.0.1.

Measures, in one run and with the same gunicorn settings:
  * baseline: a trivial WSGI page (what gunicorn + the client cost by themselves);
  * text-only no-JS submissions under concurrency: throughput, p50/p95 latency, errors;
  * no-JS submissions with one 100 MiB file (sealed on arrival) under concurrency;
  * peak server RSS (VmHWM of the gunicorn worker) during one 2 GiB no-JS upload, against the
    worker's RSS before it.

    .venv/bin/python bench/intake_bench.py            # small sizes (development)
    .venv/bin/python bench/intake_bench.py --full     # the figures for the note

The server home lives in a temporary directory that is removed afterwards. Rate limits are
raised for the run (the bench is one session hammering the service on purpose).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from crypto import keys  # noqa: E402
from crypto.directory import Reviewer, sign_directory  # noqa: E402
from crypto.keys import KeyPair  # noqa: E402
from intake.forms import election_years  # noqa: E402
from intake.home import init_home, install_org, server_public  # noqa: E402

BOUNDARY = "----bisikBench7MA4YWxkTrZu0gW"
BLOCK = os.urandom(1 << 20)
LIMITS = """
[limits]
submit_session = "1000000/hour"
submit_global = "1000000/minute"
receipt_session = "1000000/hour"
receipt_global = "1000000/minute"
upload_session = "1000000/hour"
upload_global = "1000000/minute"
"""


def trivial(environ: dict, start_response) -> list[bytes]:  # type: ignore[no-untyped-def]
    """The baseline page: the smallest WSGI app gunicorn can serve."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def make_home(base: Path) -> Path:
    home = base / "server"
    init_home(home)
    today = dt.datetime.now(dt.UTC).date()
    root = Ed25519PrivateKey.generate()
    reviewers = [
        Reviewer(r, r, "reviewer", KeyPair.generate().public, today, today + dt.timedelta(days=30))
        for r in ("ani", "budi")
    ]
    directory = sign_directory(
        root, "Bench", 1, today + dt.timedelta(days=30), reviewers, server_public(home)
    )
    install_org(home, keys.raw_public(root.public_key()), directory)
    text = (home / "server.toml").read_text()
    text = text[: text.index("[limits]")] + LIMITS
    (home / "server.toml").write_text(text)
    return home


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int

    def workers(self) -> list[int]:
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.proc.pid)],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        return [int(x) for x in out.split()]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start(app: str, home: Path | None, workers: int, threads: int) -> Server:
    port = free_port()
    env = {
        **os.environ,
        "BISIK_LISTEN": f"127.0.0.1:{port}",
        "BISIK_WORKERS": str(workers),
        "BISIK_THREADS": str(threads),
    }
    if home is not None:
        env["BISIK_HOME"] = str(home)
    cmd = [str(ROOT / ".venv/bin/gunicorn"), "-c", "python:intake.gunicorn_conf", app]
    proc = subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return Server(proc, port)
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("gunicorn did not start: " + proc.stderr.read().decode()[-2000:])  # type: ignore[union-attr]


class Client:
    """One reporter session: cookie and CSRF token from GET /submit, then POSTs."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
        self.conn.request("GET", "/submit")
        resp = self.conn.getresponse()
        page = resp.read().decode()
        self.cookie = (resp.getheader("Set-Cookie") or "").split(";")[0]
        self.token = page.split('name="csrf-token" content="')[1].split('"')[0]

    def fields(self) -> bytes:
        year = election_years()[1]
        values = [
            ("csrf_token", self.token),
            ("category", "mobilisation"),
            ("description", "Rapat koordinasi dukungan calon. " * 20),
            ("election", "pilkada"),
            ("election_year", year),
            ("province", "Lampung"),
            ("regency", "Kab. Contoh"),
            ("agency_kind", "regency"),
            ("incident_month", "10"),
            ("incident_year", year),
            ("reported_position", "Kepala Dinas"),
            ("recipient", "ani"),
            ("recipient", "budi"),
            ("consent_authority", "bawaslu"),
        ]
        return b"".join(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in values
        )

    def submit(self, file_size: int = 0) -> tuple[float, int]:
        head = self.fields()
        if file_size:
            head += (
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="evidence_1"; '
                f'filename="video.mp4"\r\nContent-Type: video/mp4\r\n\r\n'
            ).encode()
        tail = (b"\r\n" if file_size else b"") + f"--{BOUNDARY}--\r\n".encode()
        start = time.perf_counter()
        c = self.conn
        c.putrequest("POST", "/submit")
        c.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
        c.putheader("Content-Length", str(len(head) + file_size + len(tail)))
        c.putheader("Cookie", self.cookie)
        c.endheaders()
        c.send(head)
        left = file_size
        while left:
            piece = BLOCK[: min(left, len(BLOCK))]
            c.send(piece)
            left -= len(piece)
        c.send(tail)
        resp = c.getresponse()
        body = resp.read()
        ok = resp.status == 200 and b'id="receipt"' in body
        return time.perf_counter() - start, 0 if ok else 1

    def get(self, path: str) -> tuple[float, int]:
        start = time.perf_counter()
        self.conn.request("GET", path)
        resp = self.conn.getresponse()
        resp.read()
        return time.perf_counter() - start, 0 if resp.status == 200 else 1


@dataclass
class Result:
    name: str
    requests: int
    concurrency: int
    seconds: float
    per_second: float
    p50_ms: float
    p95_ms: float
    errors: int


def run_load(
    name: str, port: int, total: int, concurrency: int, file_size: int = 0, path: str | None = None
) -> Result:
    per = [total // concurrency + (1 if i < total % concurrency else 0) for i in range(concurrency)]

    def worker(n: int) -> list[tuple[float, int]]:
        if path is not None:
            client = Client.__new__(Client)
            client.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            return [client.get(path) for _ in range(n)]
        client = Client(port)
        return [client.submit(file_size) for _ in range(n)]

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        samples = [s for batch in pool.map(worker, per) for s in batch]
    seconds = time.perf_counter() - start
    lat = sorted(s[0] * 1000 for s in samples)
    return Result(
        name,
        len(samples),
        concurrency,
        round(seconds, 2),
        round(len(samples) / seconds, 1),
        round(statistics.median(lat), 1),
        round(lat[max(0, int(len(lat) * 0.95) - 1)], 1),
        sum(s[1] for s in samples),
    )


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def big_upload(server: Server, size: int) -> dict[str, float]:
    """One no-JS upload of ``size`` bytes; RSS of the (single) worker before and at peak."""
    client = Client(server.port)
    (worker,) = server.workers()
    before = _status_kib(worker, "VmRSS")
    peak = [before]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak.append(_status_kib(worker, "VmRSS"))
            time.sleep(0.05)

    t = threading.Thread(target=sample)
    t.start()
    seconds, errors = client.submit(size)
    stop.set()
    t.join()
    hwm = _status_kib(worker, "VmHWM")
    return {
        "bytes": size,
        "seconds": round(seconds, 1),
        "MiB_per_s": round(size / seconds / 2**20, 1),
        "rss_before_MiB": round(before / 1024, 1),
        "rss_peak_MiB": round(max(max(peak), hwm) / 1024, 1),
        "growth_MiB": round((max(max(peak), hwm) - before) / 1024, 1),
        "errors": errors,
    }


def _table(rows: list[Result]) -> Iterator[str]:
    heads = ("req", "conc", "req/s", "p50 ms", "p95 ms", "errors")
    yield f"{'scenario':<34}" + "".join(f"{h:>{6 if h in ('req', 'conc') else 9}}" for h in heads)
    for r in rows:
        yield (
            f"{r.name:<34}{r.requests:>6}{r.concurrency:>6}{r.per_second:>9}{r.p50_ms:>9}"
            f"{r.p95_ms:>9}{r.errors:>8}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the sizes for the note")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    text_n, big_n, big_size, huge = (
        (600, 8, 100 << 20, 2 << 30) if args.full else (60, 2, 8 << 20, 128 << 20)
    )
    conc = 8
    load_before = os.getloadavg()
    base = Path(tempfile.mkdtemp(prefix="bisik-bench-"))
    results: list[Result] = []
    extra: dict[str, object] = {}
    try:
        home = make_home(base)
        trivial_server = start("bench.intake_bench:trivial", None, args.workers, args.threads)
        try:
            run_load("warm-up", trivial_server.port, 50, 2, path="/")
            results.append(
                run_load("baseline: trivial page", trivial_server.port, text_n * 4, conc, path="/")
            )
        finally:
            trivial_server.stop()
        server = start("intake.wsgi:app", home, args.workers, args.threads)
        try:
            run_load("warm-up", server.port, 10, 2)
            results.append(
                run_load("intake: GET /submit page", server.port, text_n * 2, conc, path="/submit")
            )
            results.append(run_load("no-JS submit, text only", server.port, text_n, conc))
            results.append(
                run_load(
                    f"no-JS submit, {big_size >> 20} MiB file",
                    server.port,
                    big_n,
                    min(conc, 4),
                    file_size=big_size,
                )
            )
        finally:
            server.stop()
        single = start("intake.wsgi:app", home, 1, 1)
        try:
            extra["big_upload"] = big_upload(single, huge)
        finally:
            single.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print("\n".join(_table(results)))
    print(f"one {huge >> 20} MiB no-JS upload (1 worker): {extra['big_upload']}")
    extra["loadavg_before_after"] = [load_before, os.getloadavg()]
    print(f"load average before/after (other work on the machine): {extra['loadavg_before_after']}")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "intake.json").write_text(
        json.dumps(
            {
                "full": args.full,
                "cores": os.cpu_count(),
                "results": [asdict(r) for r in results],
                **extra,
            },
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
