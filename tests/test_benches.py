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
