"""Every script in bench/ still starts: ``--help`` parses its options after importing
everything it uses, so a module a refactor renamed or a name it moved fails here, not on the
day someone wants the figures (the benches themselves are not run by the suite)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(p for p in (ROOT / "bench").glob("*.py") if "__main__" in p.read_text())


def test_every_bench_script_starts() -> None:
    assert len(SCRIPTS) >= 10  # the glob found the benches
    runs = {
        p.name: subprocess.Popen(
            [sys.executable, str(p), "--help"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in SCRIPTS
    }
    failed = {}
    for name, proc in runs.items():
        out, err = proc.communicate(timeout=120)
        if proc.returncode != 0 or "usage:" not in out:
            failed[name] = err.strip().splitlines()[-1:] or out[-200:]
    assert failed == {}


# -- the harness's rotation and the page-reporting hold (no timing asserted) -----------------


def test_rotated_groups_take_turns_at_going_first() -> None:
    from bench import harness

    ran: list[str] = []
    steps = {name: (lambda n=name: ran.append(n)) for name in ("a", "b", "c", "d", "e", "f")}
    harness.interleave(steps, 6, rotate=(("b", "c", "d"), ("e", "f")))
    rounds = [ran[i : i + 6] for i in range(0, len(ran), 6)]
    assert [r[1:4] for r in rounds[:3]] == [["b", "c", "d"], ["c", "d", "b"], ["d", "b", "c"]]
    assert [r[4:] for r in rounds[:2]] == [["e", "f"], ["f", "e"]]
    assert all(r[0] == "a" for r in rounds)  # outside every group: never moves


def test_a_rotated_group_must_stand_together() -> None:
    from bench import harness

    try:
        harness.round_order(["a", "b", "c"], (("a", "c"),), 1)
    except ValueError:
        return
    raise AssertionError("a group split by another step was accepted")


def test_an_empty_mapping_records_nothing() -> None:
    from bench import harness

    s = harness.interleave({"tidy": dict, "t": lambda: 1.0}, 5)
    assert set(s) == {"t"}


def _params(tmp_path: Path, **values: int) -> Path:
    for name, value in values.items():
        (tmp_path / name).write_text(f"{value}\n")
    return tmp_path


def test_freed_memory_is_held_for_the_run_and_restored(tmp_path: Path) -> None:
    from bench import page_reporting

    params = _params(tmp_path, min_free_ms=0, max_waiting_mib=1024, reported_kib=100)
    with page_reporting.held(True, params) as note:
        assert (params / "min_free_ms").read_text().strip() == "300000"
        assert (params / "max_waiting_mib").read_text().strip() == "16384"
        assert "held for the run" in note
    assert (params / "min_free_ms").read_text().strip() == "0"
    assert (params / "max_waiting_mib").read_text().strip() == "1024"


def test_freed_memory_hold_is_restored_after_an_error(tmp_path: Path) -> None:
    from bench import page_reporting

    params = _params(tmp_path, min_free_ms=7, max_waiting_mib=9)
    try:
        with page_reporting.held(True, params):
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert (params / "min_free_ms").read_text().strip() == "7"
    assert (params / "max_waiting_mib").read_text().strip() == "9"


def test_without_the_knob_nothing_is_written(tmp_path: Path) -> None:
    from bench import page_reporting

    params = _params(tmp_path, page_reporting_order=10)  # a mainline kernel: no min_free_ms
    with page_reporting.held(True, params) as note:
        assert "not held" in note
    assert sorted(p.name for p in params.iterdir()) == ["page_reporting_order"]
    assert page_reporting.state(tmp_path / "absent") is None
    assert page_reporting.describe(tmp_path / "absent") == "no free page reporting"


def test_reported_memory_is_the_counter_difference(tmp_path: Path) -> None:
    from bench import page_reporting

    params = _params(tmp_path, page_reporting_order=9, min_free_ms=0, reported_kib=1 << 20)
    before = page_reporting.state(params)
    _params(tmp_path, reported_kib=5 << 20)
    assert page_reporting.reported_since(before, params).endswith(": 4.0 GiB")
