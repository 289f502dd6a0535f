#!/usr/bin/env python3
"""Envelope benchmark: seal/unseal against the plain-copy floor and against gpg, one run.

    python bench/envelope_bench.py                 # 1 MiB, 64 MiB, 256 MiB; 7 rounds
    python bench/envelope_bench.py --full          # 1 MiB, 64 MiB, 1 GiB (the issue's sizes)
    python bench/envelope_bench.py --sizes 1M,64M --rounds 5
    python bench/envelope_bench.py --baseline /tmp/main-tree   # and another checkout's code

For each size, on a file of random bytes (nothing compresses) in a memory-backed temporary
folder (bench/harness.py), every round runs these steps, each as its own process, and the
table gives medians with [min–max] over the rounds. The first four take turns at going first,
and so do the two that read the sealed file (``ROTATE``): on a virtual machine whose host
takes freed memory back, the step that runs first after a pause pays for faulting it in again
(``bench/page_reporting.py``), and a fixed order would charge that to the same step every round.

* **copy** — the honest ceiling for file to file: a Python child reads the file into one
  reused 1 MiB buffer (``readinto``) and writes it out, the buffer size ``seal_stream`` uses;
* **copy+sha256** — the same copy, hashing every block (a writer that also authenticates);
* **write only** — writing the same number of bytes from one 1 MiB buffer, reading nothing:
  what a file-to-file tool pays only to put its output into the folder, so gpg's time ÷ this
  step's (both whole processes; this one includes Python's start, about 0.03 s) is about the
  most a Python tool could be faster than gpg on this machine;
* **seal** — ``crypto.envelope.seal_stream`` file to file;
* **copy envelope** — the copy again, of the sealed file, while it and the original are both
  there: what unsealing reads, with the memory unsealing has (three files of the size in the
  memory-backed folder, where the copy above has two);
* **unseal** — ``crypto.envelope.unseal_stream`` file to file; the unsealed file is checked
  against the original (SHA-256, untimed);
* **seal@base** / **unseal@base** — with ``--baseline DIR``: the same two calls with the
  project imported from ``DIR`` (another checkout, e.g. ``git archive main | tar -x -C DIR``),
  so a change is measured against the code before it in the same interleaved rounds;
* **gpg enc** / **gpg dec** — ``gpg --encrypt`` / ``--decrypt`` to a cv25519 key in a
  temporary GNUPGHOME, ``--batch --compress-algo none``, the same file.

Every step is timed as a whole process (start to ``wait4``). The Python children also report
their call time (the copy loop, or the library call), its CPU seconds (all threads: a measure
a busy machine disturbs far less than wall time) and the growth of their peak resident
set (VmHWM) over the process after imports; *start* = process − call (interpreter start-up
and imports). The floor comparison is call against call (both the same Python process shape);
the gpg comparison is whole process against whole process. MB/s is 10^6 bytes of plaintext
per second.

Goals (issue 14, medians, same run): seal and unseal at the largest size ≥ 90 % of the copy
floor; ≥ 4× gpg both ways; peak RSS growth < 64 MiB at every size.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness as h
from bench.harness import CHILD_PREAMBLE, Samples, speedup

GOAL_FLOOR = 0.90
GOAL_VS_GPG = 4.0
GOAL_GROWTH = 64 << 20
BUFFER = 1 << 20  # seal_stream's read size; the copy uses the same

_CHILD = (
    CHILD_PREAMBLE
    + r"""
import hashlib, os, resource
op, key_file, src, dst = sys.argv[1:5]

def cpu():  # user + system seconds of every thread of this process
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime

if op in ("seal", "unseal"):
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from crypto.envelope import seal_stream, unseal_stream
    key = X25519PrivateKey.from_private_bytes(Path(key_file).read_bytes())
buf = memoryview(bytearray(1 << 20))
base = hwm()
with open(src, "rb") as fin, open(dst, "wb") as fout:
    start, cpu0 = time.perf_counter(), cpu()
    if op == "seal":
        seal_stream(fin, fout, [key.public_key()])
    elif op == "unseal":
        unseal_stream(fin, fout, key)
    elif op == "copy":
        while n := fin.readinto(buf):
            fout.write(buf[:n])
    elif op == "write only":
        left = os.stat(src).st_size
        while left:
            left -= fout.write(buf[: min(left, len(buf))])
    elif op == "copy+sha256":
        digest = hashlib.sha256()
        while n := fin.readinto(buf):
            digest.update(buf[:n])
            fout.write(buf[:n])
    else:
        raise SystemExit("unknown op " + op)
    seconds, call_cpu = time.perf_counter() - start, cpu() - cpu0
child_report(seconds, base, cpu=call_cpu)
"""
)

OURS = ("copy", "copy+sha256", "write only", "seal", "copy envelope", "unseal")
# Steps that take turns at going first within a round (see harness.round_order): whichever
# runs first after a pause meets the memory the pause left (on a virtual machine, memory the
# host may have taken back), so a fixed order would hand that cost to the same step each time.
ROTATE = (("copy", "copy+sha256", "write only", "seal"), ("copy envelope", "unseal"))
BASE = ("seal@base", "unseal@base")  # with --baseline: the same calls, another checkout's code


def write_random(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as f:
        left = size
        while left:
            block = os.urandom(min(left, BUFFER))
            f.write(block)
            digest.update(block)
            left -= len(block)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(BUFFER):
            digest.update(block)
    return digest.hexdigest()


def settle(path: Path) -> None:
    """fsync (untimed): on a disk the next step must not pay for this one's writeback."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Gpg:
    """A throw-away GNUPGHOME with one Ed25519 + cv25519 key and no passphrase."""

    def __init__(self, home: Path) -> None:
        home.mkdir(mode=0o700)
        self.env = {**os.environ, "GNUPGHOME": str(home)}
        uid = "Bisik Bench <bench@bisik.invalid>"
        base = ["gpg", "--batch", "--quiet", "--passphrase", "", "--pinentry-mode", "loopback"]
        subprocess.run(
            [*base, "--quick-gen-key", uid, "ed25519", "sign", "never"],
            check=True,
            env=self.env,
            capture_output=True,
        )
        listing = subprocess.run(
            ["gpg", "--batch", "--with-colons", "--list-keys", uid],
            check=True,
            env=self.env,
            capture_output=True,
            text=True,
        )
        self.fpr = next(
            line.split(":")[9] for line in listing.stdout.splitlines() if line.startswith("fpr:")
        )
        subprocess.run(
            [*base, "--quick-add-key", self.fpr, "cv25519", "encr", "never"],
            check=True,
            env=self.env,
            capture_output=True,
        )

    def encrypt(self, src: Path, dst: Path) -> h.Run:
        return h.run_process(
            [
                "gpg",
                "--batch",
                "--yes",
                "--quiet",
                "--trust-model",
                "always",
                "--compress-algo",
                "none",
                "--recipient",
                self.fpr,
                "--output",
                str(dst),
                "--encrypt",
                str(src),
            ],
            self.env,
        )

    def decrypt(self, src: Path, dst: Path) -> h.Run:
        return h.run_process(
            ["gpg", "--batch", "--yes", "--quiet", "--output", str(dst), "--decrypt", str(src)],
            self.env,
        )

    def stop(self) -> None:
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=self.env, check=False)


def bench_size(
    size: int, tmp: Path, gpg: Gpg, key_file: Path, rounds: int, baseline: Path | None = None
) -> dict[str, Samples]:
    plain = tmp / "plain.bin"
    digest = write_random(plain, size)
    settle(plain)
    sealed, opened, copied = tmp / "sealed.bisik", tmp / "opened.bin", tmp / "copy.bin"
    g_sealed, g_opened = tmp / "sealed.gpg", tmp / "opened.gpg.bin"

    def ours(op: str, src: Path, dst: Path, tree: Path | None = None) -> dict[str, float]:
        env = {"PYTHONPATH": str(tree)} if tree is not None else None
        run = h.python_child(_CHILD, op, str(key_file), str(src), str(dst), env=env)
        rep = run.report()
        settle(dst)
        if op in ("copy", "copy+sha256", "write only"):
            dst.unlink()
        if op == "unseal":
            if sha256_file(dst) != digest:
                raise SystemExit("bisik round trip differs from the original")
            dst.unlink()
        return {
            "call": rep["seconds"],
            "process": run.seconds,
            "growth": rep["growth"],
            "cpu": run.cpu,
            "call cpu": rep["cpu"],
        }

    def gpg_step(enc: bool) -> dict[str, float]:
        if enc:
            run = gpg.encrypt(plain, g_sealed)
            settle(g_sealed)
            return {"process": run.seconds, "cpu": run.cpu}
        run = gpg.decrypt(g_sealed, g_opened)
        if sha256_file(g_opened) != digest:
            raise SystemExit("gpg round trip differs from the original")
        g_opened.unlink()
        g_sealed.unlink()
        return {"process": run.seconds, "cpu": run.cpu}

    def tidy() -> dict[str, float]:  # untimed, records nothing
        sealed.unlink()
        return {}

    steps: dict[str, h.Step] = {
        "copy": lambda: ours("copy", plain, copied),
        "copy+sha256": lambda: ours("copy+sha256", plain, copied),
        "write only": lambda: ours("write only", plain, copied),
        "seal": lambda: ours("seal", plain, sealed),
        "copy envelope": lambda: ours("copy", sealed, copied),
        "unseal": lambda: ours("unseal", sealed, opened),
        "tidy": tidy,
    }
    if baseline is not None:
        steps["seal@base"] = lambda: ours("seal", plain, sealed, baseline)
        steps["unseal@base"] = lambda: ours("unseal", sealed, opened, baseline)
        steps["tidy@base"] = tidy
    steps |= {
        "gpg enc": lambda: gpg_step(True),
        "gpg dec": lambda: gpg_step(False),
    }
    try:
        return h.interleave(steps, rounds, label=h.human(size), rotate=ROTATE)
    finally:
        plain.unlink()


def mib(n: float) -> str:
    return f"{n / (1 << 20):.1f}"


def size_rows(size: int, s: dict[str, Samples]) -> list[list[str]]:
    mb = size / 1e6
    rows = []
    for op in (*OURS, *(b for b in BASE if f"{b} call" in s)):
        call, proc = s[f"{op} call"], s[f"{op} process"]
        start = Samples([p - c for p, c in zip(proc.values, call.values, strict=True)])
        rows.append(
            [
                f"{h.human(size)} {op}",
                call.rate(mb),
                call.show("{:.3f}"),
                s[f"{op} call cpu"].show("{:.3f}"),
                proc.show("{:.3f}"),
                start.show("{:.3f}"),
                s[f"{op} cpu"].show("{:.3f}"),
                mib(s[f"{op} growth"].high),
            ]
        )
    for op in ("gpg enc", "gpg dec"):
        proc = s[f"{op} process"]
        rows.append(
            [
                f"{h.human(size)} {op}",
                proc.rate(mb),
                "",
                "",
                proc.show("{:.3f}"),
                "",
                s[f"{op} cpu"].show("{:.3f}"),
                "",
            ]
        )
    return rows


def summary_row(size: int, s: dict[str, Samples]) -> list[str]:
    floor, hashed = s["copy call"], s["copy+sha256 call"]
    growth = max(s[f"{op} growth"].high for op in ("seal", "unseal"))
    cpu = s["copy call cpu"]
    return [
        h.human(size),
        f"{speedup(floor, s['seal call']):.0%}",
        f"{speedup(floor, s['unseal call']):.0%}",
        f"{speedup(s['copy envelope call'], s['unseal call']):.0%}",
        f"{speedup(cpu, s['seal call cpu']):.0%}",
        f"{speedup(cpu, s['unseal call cpu']):.0%}",
        f"{speedup(hashed, s['seal call']):.0%}",
        f"{speedup(hashed, s['unseal call']):.0%}",
        f"{speedup(s['gpg enc process'], s['seal process']):.1f}x",
        f"{speedup(s['gpg dec process'], s['unseal process']):.1f}x",
        f"{speedup(s['gpg enc process'], s['seal call']):.1f}x",
        f"{speedup(s['gpg dec process'], s['unseal call']):.1f}x",
        f"{speedup(s['gpg enc process'], s['write only process']):.1f}x",
        f"{speedup(s['gpg dec process'], s['write only process']):.1f}x",
        mib(growth),
    ]


def baseline_row(size: int, s: dict[str, Samples]) -> list[str]:
    """This checkout against ``--baseline``'s code in the same rounds (call and call CPU)."""
    floor, cpu = s["copy call"], s["copy call cpu"]
    cells = [h.human(size)]
    for op in ("seal", "unseal"):
        base = f"{op}@base"
        cells += [
            f"{speedup(floor, s[f'{base} call']):.0%} → {speedup(floor, s[f'{op} call']):.0%}",
            f"{speedup(cpu, s[f'{base} call cpu']):.0%} → {speedup(cpu, s[f'{op} call cpu']):.0%}",
            f"{speedup(s[f'{base} call'], s[f'{op} call']):.2f}x",
        ]
    return cells


def print_goals(results: dict[int, dict[str, Samples]]) -> bool:
    big = max(results)
    s = results[big]
    floor = min(speedup(s["copy call"], s["seal call"]), speedup(s["copy call"], s["unseal call"]))
    vs_gpg = min(
        speedup(s["gpg enc process"], s["seal process"]),
        speedup(s["gpg dec process"], s["unseal process"]),
    )
    growth = max(r[f"{op} growth"].high for r in results.values() for op in ("seal", "unseal"))
    ceiling = min(
        speedup(s["gpg enc process"], s["write only process"]),
        speedup(s["gpg dec process"], s["write only process"]),
    )
    checks = [
        h.goal(
            f"seal and unseal >= {GOAL_FLOOR:.0%} of the copy floor at {h.human(big)} "
            f"(lower of the two: {floor:.0%})",
            floor >= GOAL_FLOOR,
        ),
        h.goal(
            f">= {GOAL_VS_GPG:.0f}x gpg both ways at {h.human(big)}, whole process against "
            f"whole process (lower: {vs_gpg:.1f}x; writing the output alone: {ceiling:.1f}x)",
            vs_gpg >= GOAL_VS_GPG,
        ),
        h.goal(
            f"peak RSS growth < {GOAL_GROWTH >> 20} MiB at every size (max {mib(growth)} MiB)",
            growth < GOAL_GROWTH,
        ),
    ]
    print("\n".join(checks))
    return all(line.endswith(": met") for line in checks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default=None, help="comma list, e.g. 1M,64M,1G")
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help="also seal/unseal with the project imported from this directory (another checkout)",
    )
    h.common_args(parser, rounds=7)
    args = parser.parse_args(argv)
    if shutil.which("gpg") is None:
        raise SystemExit("gpg is not installed (Debian: apt-get install gnupg)")
    default = "1M,64M,1G" if args.full else "1M,64M,256M"
    sizes = [h.parse_size(x) for x in (args.sizes or default).split(",") if x.strip()]
    results: dict[int, dict[str, Samples]] = {}
    with h.workspace(args, "bisik-envbench-") as tmp:
        conditions = h.describe(tmp)
        gpg = Gpg(tmp / "gnupg")
        key_file = tmp / "x25519.key"
        key_file.write_bytes(os.urandom(32))
        try:
            for size in sizes:
                results[size] = bench_size(size, tmp, gpg, key_file, args.rounds, args.baseline)
        finally:
            gpg.stop()
    version = subprocess.run(["gpg", "--version"], capture_output=True, text=True).stdout
    rounds = len(next(iter(results.values()))["gpg enc process"].values)
    print(f"Bisik envelope benchmark: {conditions}; {version.splitlines()[0]}")
    order = "(copy, copy+sha256, write only, seal), (copy envelope, unseal), " + (
        "seal@base, unseal@base, " if args.baseline else ""
    )
    print(
        f"{rounds} interleaved rounds ({order}gpg enc, gpg dec; each bracket's steps take "
        "turns at going first); median [min–max]"
    )
    if args.baseline:
        print(f"@base: the project imported from {args.baseline}")
    print()
    print(
        h.table(
            [
                "size / step",
                "MB/s (call; gpg: process)",
                "call s",
                "call CPU s",
                "process s",
                "start s",
                "process CPU s",
                "peak growth MiB",
            ],
            [row for size in sizes for row in size_rows(size, results[size])],
        )
    )
    print()
    print(
        h.table(
            [
                "size",
                "seal / copy",
                "unseal / copy",
                "unseal / copy envelope",
                "seal / copy (CPU)",
                "unseal / copy (CPU)",
                "seal / copy+sha",
                "unseal / copy+sha",
                "seal vs gpg (process)",
                "unseal vs gpg (process)",
                "seal vs gpg (call)",
                "unseal vs gpg (call)",
                "write only vs gpg enc",
                "write only vs gpg dec",
                "max growth MiB",
            ],
            [summary_row(size, results[size]) for size in sizes],
        )
    )
    print(
        "\n/ copy: the copy's call median ÷ ours (100 % = as fast as a plain copy). "
        "(CPU): the same with CPU seconds of all the call's threads, which a busy machine "
        "disturbs far less than wall time (sealing must add AES-GCM to a copy, so 100 % "
        "is out of reach there; wall time can reach it on a second free core). "
        "/ copy envelope: the copy of the sealed file, with unsealing's memory. "
        "vs gpg (process): gpg's whole-process median ÷ ours; (call): ÷ our library call. "
        "write only vs gpg: gpg's whole-process median ÷ the write-only process's, about the "
        "most a Python process that writes its output here could reach."
    )
    if args.baseline:
        print()
        print(
            h.table(
                [
                    "size",
                    "seal / copy (base → this)",
                    "seal / copy CPU (base → this)",
                    "seal speed-up",
                    "unseal / copy (base → this)",
                    "unseal / copy CPU (base → this)",
                    "unseal speed-up",
                ],
                [baseline_row(size, results[size]) for size in sizes],
            )
        )
        print("speed-up: the baseline's call median ÷ this checkout's (above 1: faster now).")
    print(h.load_now())
    return 0 if print_goals(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
