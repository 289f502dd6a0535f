"""Every input a fuzz run ever crashed on (fuzz/regressions/TARGET/) and every target's seeds
go through the target's ``check`` again, without atheris: each must now end in a documented
refusal or success, never another exception (fuzz/README.md)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from fuzz.targets import TARGETS

REGRESSIONS = Path(__file__).resolve().parents[2] / "fuzz" / "regressions"
CASES = sorted((p.parent.name, p) for p in REGRESSIONS.glob("*/*") if p.is_file())


def test_every_regression_folder_names_a_target() -> None:
    assert {p.name for p in REGRESSIONS.iterdir() if p.is_dir()} <= set(TARGETS)


@pytest.mark.parametrize(("target", "path"), CASES, ids=[f"{t}/{p.name}" for t, p in CASES])
def test_crash_input_is_now_handled(target: str, path: Path) -> None:
    importlib.import_module(f"fuzz.targets.{target}").check(path.read_bytes())


@pytest.mark.parametrize("target", TARGETS)
def test_seeds_are_accepted_or_refused_cleanly(target: str) -> None:
    module = importlib.import_module(f"fuzz.targets.{target}")
    seeds = module.seeds()
    assert seeds
    for data in seeds:
        module.check(data)
