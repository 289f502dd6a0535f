"""Benchmark: text-only no-JS reports through two intake nodes against one, same run.

Scale-out (docs/OPERATOR.md): intake nodes share nothing but PostgreSQL (``blob_store =
"database"``: envelopes are rows) and Redis (request budgets). Here every node is gunicorn on
127.0.0.1 with its own copy of one server home, all against one PostgreSQL cluster and one
redis-server, both the bench's own (initdb'd for the run, on loopback, removed afterwards), so
their CPU time is measured apart from anything else on the machine. Clients do what a browser
does (bench/intake_bench.py's ``Client``: load the form, post it); with two nodes, client *i*
talks to node *i mod 2* (Onionbalance spreads circuits the same way: per client, not per
request).

In interleaved rounds (bench/harness.py):
  * one node, ``--workers`` worker processes;
  * two nodes, ``--workers`` each;
  * one node with twice the workers (the same processes as two nodes, in one gunicorn: what
    two nodes gain on one machine is what more workers gain, nothing more).

Per scenario: reports per second (median [min–max] over rounds), and CPU milliseconds per
report spent in the intake workers, PostgreSQL, Redis, the bench's own clients, and the whole
machine (both cores, from /proc/stat, so also work that is not this bench's). The machine has two
cores; a second node on the same two cores cannot add capacity beyond idle CPU time, so the
table says where the CPU goes.

    .venv/bin/python bench/nodes_bench.py             # 120 reports a round
    .venv/bin/python bench/nodes_bench.py --full      # 400 reports a round
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import harness as h  # noqa: E402
from bench import intake_bench as ib  # noqa: E402

GOAL = 1.7  # issue 12: two nodes at least 1.7x one on text submissions
CLIENTS = 8
HZ = os.sysconf("SC_CLK_TCK")


def _cpu_of(pids: list[int], *, reaped_of: int | None = None) -> float:
    """CPU seconds (user + system) the processes have used so far; with ``reaped_of``, also
    what that process's exited children used (PostgreSQL's backends come and go)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
        if pid == reaped_of:
            total += int(fields[13]) + int(fields[14])
    return total / HZ


def _machine_busy() -> float:
    """CPU seconds all cores have spent not idle since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / HZ


@dataclass
class Scenario:
    """One way of serving: its nodes, and what each round measured."""

    name: str
    servers: list[ib.Server]
    rate: h.Samples = field(default_factory=h.Samples)
    worker_ms: h.Samples = field(default_factory=h.Samples)
    client_ms: h.Samples = field(default_factory=h.Samples)
    machine_ms: h.Samples = field(default_factory=h.Samples)
    pg_ms: h.Samples = field(default_factory=h.Samples)
    redis_ms: h.Samples = field(default_factory=h.Samples)
    services: Services | None = None
    errors: int = 0

    def workers(self) -> list[int]:
        return [pid for s in self.servers for pid in s.workers()]

    def round(self, total: int) -> float:
        """``total`` reports from CLIENTS clients spread over the nodes; reports/s."""
        per = [total // CLIENTS + (1 if i < total % CLIENTS else 0) for i in range(CLIENTS)]
        ports = [self.servers[i % len(self.servers)].port for i in range(CLIENTS)]

        def client(i: int) -> list[tuple[float, int]]:
            c = ib.Client(ports[i])
            return [c.submit() for _ in range(per[i])]

        pids = self.workers()
        assert self.services is not None
        pg, redis = self.services.pg_pids(), [self.services.redis_pid]
        w0, c0, m0 = _cpu_of(pids), time.process_time(), _machine_busy()
        main = self.services.pg_main
        p0, r0 = _cpu_of(pg, reaped_of=main), _cpu_of(redis)
        start = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS) as pool:
            results = [r for batch in pool.map(client, range(CLIENTS)) for r in batch]
        wall = time.perf_counter() - start
        n = len(results)
        self.errors += sum(e for _, e in results)
        self.worker_ms.add((_cpu_of(pids) - w0) / n * 1000)
        self.client_ms.add((time.process_time() - c0) / n * 1000)
        self.machine_ms.add((_machine_busy() - m0) / n * 1000)
        self.pg_ms.add((_cpu_of(self.services.pg_pids(), reaped_of=main) - p0) / n * 1000)
        self.redis_ms.add((_cpu_of(redis) - r0) / n * 1000)
        self.rate.add(n / wall)
        return n / wall

    def row(self, one: Scenario) -> list[str]:
        return [
            self.name,
            self.rate.show("{:.1f}"),
            f"{self.rate.median / one.rate.median:.2f}x",
            self.worker_ms.show("{:.1f}"),
            self.pg_ms.show("{:.1f}"),
            self.redis_ms.show("{:.2f}"),
            self.client_ms.show("{:.1f}"),
            self.machine_ms.show("{:.1f}"),
            str(self.errors),
        ]


@dataclass
class Services:
    """The PostgreSQL cluster and the Redis of this bench (their own, so their CPU time is
    theirs alone), and their URLs."""

    db_url: str
    redis_url: str
    pg_main: int
    redis_pid: int

    def pg_pids(self) -> list[int]:
        from tests.servers import child_pids

        return [self.pg_main, *child_pids(self.pg_main)]


@contextmanager
def _services(base: Path) -> Iterator[Services]:
    """A PostgreSQL cluster (initdb, trust, loopback) and a redis-server, both the bench's."""
    from tests.servers import OwnPostgres, OwnRedis

    pg, redis = OwnPostgres(), OwnRedis()
    pg.init()
    pg.start()
    redis.start()
    try:
        main_pid = int((pg.data / "postmaster.pid").read_text().split()[0])
        assert redis.proc is not None
        yield Services(pg.url, redis.url, main_pid, redis.proc.pid)
    finally:
        redis.stop()
        pg.stop()
        pg.remove()


def _node_home(home: Path, base: Path, name: str) -> Path:
    copy = base / name
    shutil.copytree(home, copy, ignore=shutil.ignore_patterns("*.sqlite*", "blobs", "uploads"))
    return copy


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--workers", type=int, default=1, help="worker processes per node")
    parser.add_argument("--threads", type=int, default=4)
    h.common_args(parser, rounds=5)
    args = parser.parse_args()
    total = 400 if args.full else 120
    app = "intake.wsgi:app"
    with h.workspace(args, "bisik-nbench-") as base, _services(base) as services:
        conditions = h.describe(base)
        home = ib.make_home(base)
        env = {
            "BISIK_DB_URL": services.db_url,
            "BISIK_BLOB_STORE": "database",
            "BISIK_LIMITER_STORAGE": services.redis_url,
        }
        homes = [_node_home(home, base, f"node{i}") for i in (1, 2)]
        w, t = args.workers, args.threads
        started = [
            ib.start(app, homes[0], w, t, env),
            ib.start(app, homes[1], w, t, env),
            ib.start(app, homes[0], 2 * w, t, env),
        ]
        try:
            one = Scenario(f"one node, {w} worker(s)", [started[0]])
            two = Scenario(f"two nodes, {w} worker(s) each", started[:2])
            wide = Scenario(f"one node, {2 * w} workers", [started[2]])
            for s in (one, two, wide):
                s.services = services
                s.round(16)  # warm-up: imports, connection pools
            steps: dict[str, h.Step] = {
                s.name: (lambda s=s: s.round(total))  # type: ignore[misc]
                for s in (one, two, wide)
            }
            h.interleave(steps, args.rounds, label="nodes")
        finally:
            for server in started:
                server.stop()
    print(f"Bisik intake nodes benchmark: {conditions}")
    print(
        f"text-only no-JS reports (form load + POST), {CLIENTS} clients, {total} reports a "
        f"round, {max(h.MIN_ROUNDS, args.rounds)} interleaved rounds; {w} worker(s) x "
        f"{t} threads per node; blobs in PostgreSQL, budgets in Redis (both the bench's own)"
    )
    print(
        "CPU milliseconds per report, median [min–max] over rounds; 'whole machine' counts "
        "both cores, including work not of this bench\n"
    )
    print(
        h.table(
            [
                "scenario",
                "reports/s",
                "vs one node",
                "intake workers",
                "PostgreSQL",
                "Redis",
                "bench clients",
                "whole machine",
                "errors",
            ],
            [s.row(one) for s in (one, two, wide)],
        )
    )
    ratio = two.rate.median / one.rate.median
    print()
    print(
        h.goal(
            f"two nodes >= {GOAL}x one node on text submissions (got {ratio:.2f}x)", ratio >= GOAL
        )
    )
    print(h.load_now())
    return 1 if one.errors + two.errors + wide.errors else 0


if __name__ == "__main__":
    sys.exit(main())
