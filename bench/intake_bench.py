"""Benchmark of the intake service's no-JavaScript path through gunicorn on 127.0.0.1.

Each client does what a browser does: it loads ``GET /submit`` (which sets the session
cookie and carries the CSRF token and the form's single-use submission token in hidden
fields), then posts the form as ``multipart/form-data`` with every hidden field and the
cookie; the next report loads a fresh form, so every token is used once.

In interleaved rounds (bench/harness.py), against a baseline measured in the same run:
  * baseline: a trivial WSGI page under the same gunicorn settings (what gunicorn and the
    client cost by themselves);
  * ``GET /submit``: the form page;
  * no-JS report, text only: form load + submit, under concurrency;
  * no-JS report with one file (sealed on arrival), under concurrency;
then once: the peak RSS of the worker (VmHWM) during one large no-JS upload, against its RSS
before it.

    .venv/bin/python bench/intake_bench.py            # small sizes (development, make bench)
    .venv/bin/python bench/intake_bench.py --full     # 100 MiB files and a 2 GiB upload

Per round: requests per second; latency p50/p95 pooled over all rounds (of the POST alone for
reports). The server home lives in a temporary folder removed afterwards. Rate limits are
raised for the run (the bench is one client hammering the service on purpose).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from bench import harness as h  # noqa: E402
from crypto import keys  # noqa: E402
from crypto.directory import Reviewer, sign_directory  # noqa: E402
from crypto.keys import KeyPair  # noqa: E402
from intake import form_tokens  # noqa: E402
from intake.forms import election_years  # noqa: E402
from intake.home import init_home, install_org, server_public  # noqa: E402
from tests.servers import free_port  # noqa: E402

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


def start(
    app: str, home: Path | None, workers: int, threads: int, extra_env: dict[str, str] | None = None
) -> Server:
    port = free_port()
    env = {
        **os.environ,
        **(extra_env or {}),
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


HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


class Client:
    """One reporter's browser: a session cookie, and a fresh form (tokens) for each report."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
        self.cookie = ""

    def load_form(self) -> list[tuple[str, str]]:
        """GET /submit like a browser; the hidden fields (CSRF and single-use token)."""
        self.conn.request("GET", "/submit", headers={"Cookie": self.cookie} if self.cookie else {})
        resp = self.conn.getresponse()
        page = resp.read().decode()
        if resp.status != 200:
            raise SystemExit(f"GET /submit answered {resp.status}")
        cookie = resp.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";")[0]
        hidden = HIDDEN.findall(page)
        names = {name for name, _ in hidden}
        if form_tokens.FIELD not in names or len(hidden) < 2:
            raise SystemExit("the form has no CSRF or single-use token field")
        return hidden

    def fields(self, hidden: list[tuple[str, str]]) -> bytes:
        year = election_years()[1]
        values = [
            *hidden,
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
        """Load a fresh form, then post it; (seconds of the POST, 1 if not accepted)."""
        head = self.fields(self.load_form())
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
class Load:
    """One scenario over the rounds: requests per second per round, pooled latencies."""

    name: str
    concurrency: int
    rate: h.Samples = field(default_factory=h.Samples)
    latencies: list[float] = field(default_factory=list)
    requests: int = 0
    errors: int = 0

    def row(self) -> list[str]:
        lat = sorted(x * 1000 for x in self.latencies)
        p95 = lat[max(0, int(len(lat) * 0.95) - 1)]
        return [
            self.name,
            str(self.requests),
            str(self.concurrency),
            self.rate.show("{:.1f}"),
            f"{statistics.median(lat):.1f}",
            f"{p95:.1f}",
            str(self.errors),
        ]


def run_load(
    load: Load, port: int, total: int, file_size: int = 0, path: str | None = None
) -> float:
    """``total`` requests from ``load.concurrency`` clients; records and returns req/s."""
    conc = load.concurrency
    per = [total // conc + (1 if i < total % conc else 0) for i in range(conc)]

    def worker(n: int) -> list[tuple[float, int]]:
        client = Client(port)
        if path is not None:
            return [client.get(path) for _ in range(n)]
        return [client.submit(file_size) for _ in range(n)]

    start = time.perf_counter()
    with ThreadPoolExecutor(conc) as pool:
        samples = [s for batch in pool.map(worker, per) for s in batch]
    rate = len(samples) / (time.perf_counter() - start)
    load.rate.add(rate)
    load.latencies.extend(s[0] for s in samples)
    load.requests += len(samples)
    load.errors += sum(s[1] for s in samples)
    return rate


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


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    h.common_args(parser, rounds=5)
    args = parser.parse_args()
    text_n, big_n, big_size, huge = (
        (120, 2, 100 << 20, 2 << 30) if args.full else (24, 1, 8 << 20, 128 << 20)
    )
    conc = 8
    loads = {
        "base": Load("baseline: trivial page", conc),
        "page": Load("intake: GET /submit page", conc),
        "text": Load("no-JS report, text only", conc),
        "file": Load(f"no-JS report, one {big_size >> 20} MiB file", min(conc, 4)),
    }
    extra: dict[str, object] = {}
    with h.workspace(args, "bisik-ibench-") as base:
        conditions = h.describe(base)
        home = make_home(base)
        trivial_server = start("bench.intake_bench:trivial", None, args.workers, args.threads)
        server = start("intake.wsgi:app", home, args.workers, args.threads)
        try:
            run_load(Load("warm-up", 2), trivial_server.port, 20, path="/")
            run_load(Load("warm-up", 2), server.port, 4)
            steps: dict[str, h.Step] = {
                "base": lambda: run_load(loads["base"], trivial_server.port, text_n * 4, path="/"),
                "page": lambda: run_load(loads["page"], server.port, text_n * 2, path="/submit"),
                "text": lambda: run_load(loads["text"], server.port, text_n),
                "file": lambda: run_load(loads["file"], server.port, big_n * 4, big_size),
            }
            h.interleave(steps, args.rounds, label="intake")
        finally:
            server.stop()
            trivial_server.stop()
        single = start("intake.wsgi:app", home, 1, 1)
        try:
            extra["big_upload"] = big_upload(single, huge)
        finally:
            single.stop()
    print(f"Bisik intake benchmark: {conditions}")
    print(
        f"gunicorn {args.workers} workers x {args.threads} threads; {args.rounds} interleaved "
        "rounds; req/s median [min–max] over rounds, latency pooled; each report loads a "
        "fresh form (cookie, CSRF and single-use token) before its POST\n"
    )
    print(
        h.table(
            ["scenario", "requests", "clients", "req/s", "p50 ms", "p95 ms", "errors"],
            [load.row() for load in loads.values()],
        )
    )
    print(f"\none {huge >> 20} MiB no-JS upload (1 worker): {extra['big_upload']}")
    print(h.load_now())
    big = extra["big_upload"]
    assert isinstance(big, dict)
    errors = sum(load.errors for load in loads.values()) + int(big["errors"])
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
