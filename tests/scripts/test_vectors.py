"""The vector commands regenerate every family's committed files byte for byte (scripts/vectors/).

The generators draw only fixed inputs, so any difference is a drift: a change to a format, a
library's output or a generator that must be reviewed as a change of the vectors (rerun
``python -m scripts.vectors`` and read the diff). Here the commands run as the docs name them,
into a temporary directory, and the trees are compared whole (no file missing, none left over,
``index.json`` and ``org.json`` too); tests/crypto/test_vectors.py and
tests/vault/bundle/test_vectors.py check each tree in process, naming the family that drifted.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scripts.vectors.trees import TREES, committed

ROOT = Path(__file__).resolve().parents[2]


def _tree_files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in directory.glob("*.json")}


def test_every_tree_regenerates_whole_into_a_temporary_directory(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "scripts.vectors", "--out", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(TREES)
    for tree in TREES.values():
        fresh, held = _tree_files(tmp_path / tree.name), committed(tree)
        assert sorted(fresh) == sorted(held), tree.name
        assert [name for name in fresh if fresh[name] != held[name]] == [], tree.name


@pytest.mark.parametrize(
    ("script", "tree"), [("make_vectors.py", "crypto"), ("make_bundle_vectors.py", "bundle")]
)
def test_single_tree_commands_write_their_tree(tmp_path: Path, script: str, tree: str) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / script), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert _tree_files(tmp_path) == committed(TREES[tree])


def test_check_passes_on_the_committed_trees() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scripts.vectors", "--check"],
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout
