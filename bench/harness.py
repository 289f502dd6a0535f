"""The one harness every bench in ``bench/`` uses, so their figures can be compared fairly.

What it promises:

* **Interleaved rounds.** :func:`interleave` runs the steps A, B, C, A, B, C … for
  ``rounds`` rounds (at least :data:`MIN_ROUNDS`), so a disturbance on the shared machine
  falls on every side alike instead of on whichever ran during it.
* **Medians with their spread.** :class:`Samples` prints the median and ``[min–max]``; a
  ratio between two sides is the ratio of their medians.
* **The same clock on both sides.** :func:`run_process` times a whole process (wall, from
  ``fork`` to ``wait4``) and returns its peak RSS; a Python child started with
  :func:`python_child` also reports the time of its library call, so a table can show the
  call, the whole process and the difference (interpreter start and imports) side by side.
* **A memory-backed temporary folder by default** (:func:`temp_root`): ``/dev/shm`` (tmpfs),
  so the figures measure the code, not a disk whose speed changes from round to round. When
  there is none, it falls back to the system default and prints a warning.
* **The conditions printed** (:func:`describe`): CPUs, load average before and after, the
  temporary folder and its file system, Python's version, and a virtual machine's free page
  reporting (``bench/page_reporting.py``), which ``--hold-freed-memory`` holds off for the run
  so that no step pays for the host faulting memory back in because of its place in a round.

Nothing here asserts a timing: benches print figures; tests never time anything.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench import page_reporting

ROOT = Path(__file__).resolve().parent.parent
MIN_ROUNDS = 5
MEMORY_FS = ("tmpfs", "ramfs")
UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


# -- numbers --------------------------------------------------------------------------------


@dataclass
class Samples:
    """The values one step took over the rounds (seconds, or any other measure)."""

    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.values.append(value)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    def show(self, fmt: str = "{:.2f}", scale: float = 1.0) -> str:
        """``median [min–max]``, each multiplied by ``scale`` and formatted with ``fmt``."""
        med, lo, hi = (fmt.format(v * scale) for v in (self.median, self.low, self.high))
        return f"{med} [{lo}–{hi}]"

    def rate(self, amount: float, fmt: str = "{:.0f}") -> str:
        """``amount`` per median second, with the spread (slowest round first)."""
        med, lo, hi = (fmt.format(amount / v) for v in (self.median, self.high, self.low))
        return f"{med} [{lo}–{hi}]"


def speedup(baseline: Samples, ours: Samples) -> float:
    """How many times faster ``ours`` is than ``baseline``: baseline median ÷ ours median.

    Below 1 it is the fraction of the baseline's speed reached (0.9 = 90 % of a copy)."""
    return baseline.median / ours.median


def parse_size(text: str) -> int:
    """``"64M"`` → 67108864; ``K``, ``M``, ``G`` are powers of 1024."""
    text = text.strip().upper().removesuffix("IB").removesuffix("B")
    if text and text[-1] in UNITS:
        return int(float(text[:-1]) * UNITS[text[-1]])
    return int(text)


def human(n: int) -> str:
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= factor and n % factor == 0:
            return f"{n // factor} {unit}"
    return f"{n} B"


# -- rounds ---------------------------------------------------------------------------------


Step = Callable[[], float | Mapping[str, float] | None]


def interleave(
    steps: Mapping[str, Step],
    rounds: int,
    *,
    label: str = "",
    rotate: Sequence[Sequence[str]] = (),
) -> dict[str, Samples]:
    """Run every step once per round, in order, for ``rounds`` rounds (A, B, A, B …).

    A step returns the value to record (seconds, usually), a mapping of several values
    (recorded as ``"<step> <key>"``; an empty one records nothing, for untimed tidying), or
    None to have its wall time recorded. ``rounds`` below :data:`MIN_ROUNDS` is raised to it.

    Each group in ``rotate`` names steps that stand next to each other in ``steps``; in round
    ``r`` they run rotated left by ``r`` (A B C, B C A, C A B …), so no step of the group is
    always the one that runs first, on memory or caches the one before it left.
    """
    out: dict[str, Samples] = {}
    rounds = max(MIN_ROUNDS, rounds)
    for r in range(rounds):
        for name in round_order(list(steps), rotate, r):
            step = steps[name]
            start = time.perf_counter()
            value = step()
            wall = time.perf_counter() - start
            if isinstance(value, Mapping):
                for key, v in value.items():
                    out.setdefault(f"{name} {key}", Samples()).add(v)
            else:
                out.setdefault(name, Samples()).add(wall if value is None else value)
        progress(f"{label} round {r + 1}/{rounds}")
    return out


def round_order(names: list[str], rotate: Sequence[Sequence[str]], r: int) -> list[str]:
    """``names`` with every group of ``rotate`` rotated left by ``r`` in its place."""
    order = list(names)
    for group in rotate:
        at = order.index(group[0])
        if order[at : at + len(group)] != list(group):
            raise ValueError(f"rotated steps must stand together in this order: {group}")
        k = r % len(group)
        order[at : at + len(group)] = [*group[k:], *group[:k]]
    return order


def progress(text: str) -> None:
    print(f"... {text}", file=sys.stderr, flush=True)


# -- processes ------------------------------------------------------------------------------


@dataclass
class Run:
    """One finished process: wall seconds, peak RSS in bytes and CPU seconds (user + system,
    all its threads; from wait4), its stdout."""

    seconds: float
    peak: int
    stdout: str
    cpu: float = 0.0

    def report(self) -> dict[str, float]:
        """The JSON object a :func:`python_child` printed on its last line."""
        result: dict[str, float] = json.loads(self.stdout.strip().splitlines()[-1])
        return result


def run_process(
    cmd: Sequence[str],
    env: Mapping[str, str] | None = None,
    *,
    stdin: bytes | None = None,
    cwd: Path | None = None,
) -> Run:
    """Run ``cmd`` to completion; time it from start to ``wait4`` and take its peak RSS.

    Output goes to unnamed temporary files (no pipe to drain while it runs). A non-zero exit
    stops the bench with the command's error output.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd),
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdout=out,
            stderr=err,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        )
        if proc.stdin is not None:
            proc.stdin.write(stdin or b"")
            proc.stdin.close()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            text = err.read().decode(errors="replace").strip()[-2000:]
            raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {text}")
        return Run(
            seconds,
            usage.ru_maxrss * 1024,
            out.read().decode(errors="replace"),
            usage.ru_utime + usage.ru_stime,
        )


def python_child(code: str, *args: str, env: Mapping[str, str] | None = None) -> Run:
    """Run ``code`` in a fresh interpreter with the project importable (whole-process timed).

    The child should print one JSON object as its last line (see :func:`child_report`).
    """
    base = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return run_process([sys.executable, "-c", code, *args], base)


# The preamble a python_child uses to report its own call time and memory.
CHILD_PREAMBLE = r"""
import json, sys, time
from pathlib import Path

def hwm():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise SystemExit("no VmHWM in /proc/self/status")

def child_report(seconds, base, **extra):
    print(json.dumps({"seconds": seconds, "peak": hwm(), "growth": hwm() - base, **extra}))
"""


# -- where and under what conditions --------------------------------------------------------


def filesystem(path: Path) -> str:
    """The file system type of the mount holding ``path`` (from /proc/mounts)."""
    best, kind = "", "unknown"
    real = str(path.resolve())
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return kind
    for line in mounts:
        parts = line.split()
        if len(parts) >= 3:
            point = parts[1].replace("\\040", " ")
            inside = real == point or real.startswith(point.rstrip("/") + "/")
            if inside and len(point) >= len(best):
                best, kind = point, parts[2]
    return kind


def temp_parent(requested: Path | None) -> tuple[Path | None, str]:
    """Where temporary folders go, and a note to print about it.

    ``requested`` (``--tmpdir``) wins; otherwise ``/dev/shm`` if it is memory-backed and
    writable; otherwise the system default, with a warning.
    """
    if requested is not None:
        kind = filesystem(requested)
        note = "" if kind in MEMORY_FS else f"warning: {requested} is {kind}, not in memory"
        return requested, note
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK) and filesystem(shm) in MEMORY_FS:
        return shm, ""
    default = Path(tempfile.gettempdir())
    return None, (
        f"warning: no memory-backed /dev/shm; using {default} "
        f"({filesystem(default)}): disk speed will be part of the figures"
    )


@contextmanager
def temp_root(requested: Path | None, prefix: str) -> Iterator[Path]:
    """A temporary folder (memory-backed by default), removed afterwards; prints a warning
    when it is not in memory."""
    parent, note = temp_parent(requested)
    if note:
        print(note, file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix=prefix, dir=parent) as name:
        yield Path(name)


# The page reporting counters when the current workspace was entered (see load_now).
_reporting_at_start: page_reporting.Reporting | None = None


@contextmanager
def workspace(args: argparse.Namespace, prefix: str) -> Iterator[Path]:
    """The run's temporary folder (:func:`temp_root`, from ``--tmpdir``), with freed memory
    held for the run when ``--hold-freed-memory`` asks (:func:`page_reporting.held`); what
    was done about it is printed to stderr."""
    global _reporting_at_start
    with page_reporting.held(args.hold_freed_memory) as note:
        if note:
            print(note, file=sys.stderr, flush=True)
        _reporting_at_start = page_reporting.state()
        with temp_root(args.tmpdir, prefix) as tmp:
            yield tmp


def describe(tmp: Path | None = None) -> str:
    """One line: CPUs, load average, Python, the temporary folder with its file system, and
    the machine's free page reporting."""
    one, five, fifteen = os.getloadavg()
    text = (
        f"{os.cpu_count()} CPUs, load average {one:.1f} / {five:.1f} / {fifteen:.1f} "
        f"(1/5/15 min), Python {platform.python_version()}"
    )
    if tmp is not None:
        kind = filesystem(tmp)
        where = "in memory" if kind in MEMORY_FS else "ON DISK"
        text += f", temp folder {tmp.parent} ({kind}, {where})"
    return f"{text}, {page_reporting.describe()}"


def load_now() -> str:
    """The load average now and, on a machine with free page reporting, how much freed memory
    went back to the host since the workspace was entered."""
    one, five, fifteen = os.getloadavg()
    text = f"load average now {one:.1f} / {five:.1f} / {fifteen:.1f}"
    reported = page_reporting.reported_since(_reporting_at_start)
    return f"{text}; {reported}" if reported else text


# -- output ---------------------------------------------------------------------------------


def table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table, columns right-aligned except the first."""
    lines = [list(head), *[list(r) for r in rows]]
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]

    def fmt(line: list[str]) -> str:
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        return "| " + " | ".join(cells) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([fmt(lines[0]), rule, *(fmt(line) for line in lines[1:])])


def goal(text: str, met: bool) -> str:
    return f"goal: {text}: {'met' if met else 'MISSED'}"


def common_args(parser: argparse.ArgumentParser, rounds: int) -> None:
    """``--rounds``, ``--tmpdir``, ``--full`` and ``--hold-freed-memory``, the same in every
    bench."""
    parser.add_argument(
        "--rounds",
        type=int,
        default=rounds,
        help=f"interleaved rounds (at least {MIN_ROUNDS}; default {rounds})",
    )
    parser.add_argument(
        "--tmpdir",
        type=Path,
        default=None,
        help="parent of the temporary folder (default: /dev/shm, in memory)",
    )
    parser.add_argument("--full", action="store_true", help="the sizes the issue's goals name")
    parser.add_argument(
        "--hold-freed-memory",
        action="store_true",
        help=(
            "on a virtual machine with free page reporting (root, a kernel with "
            "page_reporting.min_free_ms and max_waiting_mib): keep freed memory from the "
            "host for the run, "
            "so no step pays for memory faulted back in (see bench/page_reporting.py)"
        ),
    )
