"""A virtual machine's free page reporting: what it is set to, and holding it off for a run.

With free page reporting (virtio-balloon), the guest kernel hands memory it has freed back to
the host; the next time the guest uses that memory, the host has to fault it in again. On the
Firecracker machine these benches were written on, writing 1 GiB into ``/dev/shm`` took
0.38–0.43 s when the memory had been freed a moment before and 1.8–2.4 s when it had been
free for 5 s (``bench/README.md``, "free page reporting"). Which bench step meets such
memory depends on how long ago the memory it gets was freed — on the step's place in the
round, not on its code — so every file-to-file figure there was bimodal.

This kernel's ``page_reporting`` module has two more parameters than mainline's: a page is
reported once it has been free ``min_free_ms``, or as soon as more than ``max_waiting_mib``
of freed memory waits. Measured there (three 1 GiB files written, removed and written again,
four times): with the defaults (0 ms, 1024 MiB) 2.2–2.6 GiB went back to the host per run and
the second writing took 2.1–3.4 s; with 300,000 ms and 16,384 MiB nothing went back and it
took 1.2–1.4 s. :func:`held` sets both for the length of a run (root only) and puts the old
values back afterwards, so every step, ours and gpg's alike, writes on memory the guest still
holds, as on a machine without a balloon. Mainline kernels have neither parameter (their
``page_reporting_order`` cannot switch reporting off); there :func:`held` changes nothing and
says so.

Nothing here is imported by the project; only benches use it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PARAMS = Path("/sys/module/page_reporting/parameters")
HOLD = {
    "min_free_ms": 300_000,  # the longest this kernel accepts (600,000 is refused)
    "max_waiting_mib": 16_384,  # more than any bench here frees
}


@dataclass(frozen=True)
class Reporting:
    """What ``/sys/module/page_reporting/parameters`` says (None: not there)."""

    order: int | None
    min_free_ms: int | None
    max_waiting_mib: int | None
    reported_kib: int | None


def _read(params: Path, name: str) -> int | None:
    try:
        return int((params / name).read_text().strip())
    except (OSError, ValueError):
        return None


def state(params: Path = PARAMS) -> Reporting | None:
    """The kernel's free page reporting settings, or None when it has none."""
    if not params.is_dir():
        return None
    return Reporting(
        _read(params, "page_reporting_order"),
        _read(params, "min_free_ms"),
        _read(params, "max_waiting_mib"),
        _read(params, "reported_kib"),
    )


def describe(params: Path = PARAMS) -> str:
    """One phrase for the conditions line of a bench."""
    now = state(params)
    if now is None:
        return "no free page reporting"
    order = f"blocks of 2^{now.order} pages" if now.order is not None else "block size unknown"
    if now.min_free_ms is None or now.max_waiting_mib is None:
        return f"free page reporting on ({order})"
    return (
        f"free page reporting on ({order}, after {now.min_free_ms} ms free "
        f"or {now.max_waiting_mib} MiB waiting)"
    )


def reported_since(before: Reporting | None, params: Path = PARAMS) -> str:
    """How much freed memory the guest reported to its host since ``before`` (or "")."""
    after = state(params)
    if before is None or after is None:
        return ""
    if before.reported_kib is None or after.reported_kib is None:
        return ""
    kib = after.reported_kib - before.reported_kib
    return f"memory reported to the host during the run: {kib / (1 << 20):.1f} GiB"


@contextmanager
def held(enabled: bool, params: Path = PARAMS) -> Iterator[str]:
    """With ``enabled``, keep freed memory from being reported to the host (the parameters
    of :data:`HOLD`) for the length of the ``with`` block; yield a note saying what was done.

    The old values are written back on leaving, also after an error or Ctrl-C; a process
    killed outright leaves the hold in place until the next run or a reboot, which costs the
    host memory, not the guest correctness.
    """
    if not enabled:
        yield ""
        return
    old = {name: _read(params, name) for name in HOLD}
    missing = [name for name, value in old.items() if value is None]
    if missing:
        yield f"freed memory not held: this kernel has no page_reporting {', '.join(missing)}"
        return
    done: dict[str, int] = {}
    try:
        for name, value in HOLD.items():
            (params / name).write_text(f"{value}\n")
            done[name] = old[name] or 0
    except OSError as exc:
        _restore(params, done)
        yield f"freed memory not held: cannot write {params} ({exc.strerror}; root only)"
        return
    try:
        said = ", ".join(f"{name} {HOLD[name]} (was {done[name]})" for name in HOLD)
        yield f"freed memory held for the run: {said}"
    finally:
        _restore(params, done)


def _restore(params: Path, values: dict[str, int]) -> None:
    for name, value in values.items():
        try:
            (params / name).write_text(f"{value}\n")
        except OSError as exc:  # pragma: no cover - the file was writable a moment ago
            print(f"warning: could not restore {params / name} to {value}: {exc}", file=sys.stderr)
