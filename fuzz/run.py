"""Run the fuzz targets: a short run for ``make test``, a long one for ``make fuzz``.

    python -m fuzz.run --seconds 3            # every target, 3 s each (make test)
    python -m fuzz.run --seconds 90 --keep    # the long run (make fuzz), corpus kept
    python -m fuzz.run --target envelope --seconds 10

Each target runs in its own process (``python -m fuzz.harness TARGET``) under atheris, seeded
from the target's ``seeds()`` and from its regression inputs (fuzz/regressions/TARGET/). A
crash is saved under fuzz/crashes/ and the run fails; copy the input into the regressions
folder once the bug is fixed (tests/fuzz replays every file there). The runner prints the
executions and seconds of every target and the totals.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fuzz.targets import TARGETS

HERE = Path(__file__).resolve().parent
CRASHES = HERE / "crashes"
REGRESSIONS = HERE / "regressions"
CORPUS = HERE.parent / ".fuzz-corpus"  # kept between long runs; not in git
DONE = re.compile(rb"Done (\d+) runs in (\d+) second")
SCRATCH = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())


def _run(target: str, seconds: int, corpus: Path, max_len: int) -> tuple[int, float, int]:
    """(executions, wall seconds, exit status) of one target."""
    corpus.mkdir(parents=True, exist_ok=True)
    CRASHES.mkdir(exist_ok=True)
    args = [
        sys.executable,
        "-m",
        "fuzz.harness",
        target,
        str(corpus),
        f"-max_total_time={seconds}",
        f"-max_len={max_len}",
        "-timeout=20",
        "-rss_limit_mb=3072",
        f"-artifact_prefix={CRASHES}/{target}-",
        "-print_final_stats=1",
    ]
    start = time.monotonic()
    work = Path(tempfile.mkdtemp(dir=SCRATCH, prefix="bisik-fuzz-"))
    try:
        done = subprocess.run(
            args,
            cwd=HERE.parent,
            capture_output=True,
            timeout=seconds + 300,
            check=False,
            env={**os.environ, "BISIK_FUZZ_TMP": str(work)},
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    took = time.monotonic() - start
    found = DONE.findall(done.stderr)
    runs = int(found[-1][0]) if found else 0
    if done.returncode != 0:
        sys.stderr.write(done.stderr.decode("utf-8", "replace")[-4000:])
    return runs, took, done.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", action="append", choices=TARGETS)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--max-len", type=int, default=16384)
    parser.add_argument("--keep", action="store_true", help="keep the corpus in .fuzz-corpus/")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="bisik-fuzz-"))
    total_runs, total_time, failed = 0, 0.0, []
    print(f"{'target':<16}{'executions':>12}{'seconds':>10}{'exec/s':>10}  result")
    try:
        for target in args.target or TARGETS:
            corpus = (CORPUS if args.keep else scratch) / target
            runs, took, status = _run(target, args.seconds, corpus, args.max_len)
            total_runs, total_time = total_runs + runs, total_time + took
            result = "ok" if status == 0 else f"FAILED (exit {status})"
            if status != 0:
                failed.append(target)
            print(
                f"{target:<16}{runs:>12,}{took:>10.1f}{runs / max(took, 1e-9):>10,.0f}  {result}",
                flush=True,
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(
        f"{'total':<16}{total_runs:>12,}{total_time:>10.1f}"
        f"{total_runs / max(total_time, 1e-9):>10,.0f}  "
        f"{'ok' if not failed else 'FAILED: ' + ', '.join(failed)}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.setdefault("BISIK_LANG", "en")
    raise SystemExit(main())
