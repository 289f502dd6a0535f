"""docs/THREAT_MODEL.md names, for every promise, the tests that show it: each named test must
exist, so a renamed or deleted test cannot leave a promise without its proof."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "THREAT_MODEL.md"


def _defined_tests() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        names.update(re.findall(r"^\s*(?:async\s+)?def (test_\w+)", path.read_text("utf-8"), re.M))
    return names


def test_every_test_the_threat_model_cites_exists() -> None:
    cited = set(re.findall(r"`(test_\w+)`", DOC.read_text("utf-8")))
    assert len(cited) >= 20, "the threat model should cite the tests behind its promises"
    assert sorted(cited - _defined_tests()) == []


def test_every_promise_cites_at_least_one_test() -> None:
    text = DOC.read_text("utf-8")
    promises = re.split(r"^### ", text, flags=re.M)[1:]
    assert promises
    bare = [p.splitlines()[0] for p in promises if not re.search(r"`test_\w+`", p)]
    assert bare == []
