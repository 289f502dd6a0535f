"""reviewer.escalation sits above the reviewer core: the import contract that says so lists
every core module, so a module added to reviewer/ is covered the day it lands (issue 9)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The layers above the core: they may import escalation.
ABOVE_CORE = {"app", "cli", "commands", "escalation"}


def _core_modules() -> set[str]:
    names = {p.stem for p in (ROOT / "reviewer").glob("*.py")}
    names |= {p.parent.name for p in (ROOT / "reviewer").glob("*/__init__.py")}
    return {f"reviewer.{n}" for n in names - ABOVE_CORE - {"__init__", "__main__"}}


def test_the_escalation_contract_lists_every_core_module() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = next(
        c
        for c in config["tool"]["importlinter"]["contracts"]
        if c["name"].startswith("the reviewer core never imports escalation")
    )
    assert contract["forbidden_modules"] == ["reviewer.escalation"]
    assert set(contract["source_modules"]) == _core_modules()
