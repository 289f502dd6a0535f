"""The fixture every whole-flow test starts from: ``org``, a demo organisation made by the real
reviewer CLI, one per test module (the flows of one module share its server and laptops)."""

from __future__ import annotations

import pytest

from intake import demo
from tests.demo_org import make_demo


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> demo.Demo:
    """A demo organisation made by the real reviewer CLI (cheap KDF: this is a test)."""
    made = make_demo(tmp_path_factory.mktemp("e2e") / "demo")
    assert made.tool == "bisik-reviewer", "the demo must be made with the real reviewer tool"
    return made
