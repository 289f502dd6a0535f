"""Regenerate vector trees, or check that the committed ones still match their generators.

    python -m scripts.vectors                 # rewrite crypto/vectors/ and vault/bundle/vectors/
    python -m scripts.vectors bundle          # one tree (crypto or bundle)
    python -m scripts.vectors --out DIR       # write DIR/crypto/, DIR/bundle/ instead
    python -m scripts.vectors --check         # write nothing; exit 1 naming each drifted file

``scripts/make_vectors.py`` and ``scripts/make_bundle_vectors.py`` are the same for one tree,
with ``--out DIR`` naming that tree's directory itself.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from scripts.vectors.common import ROOT, write_tree
from scripts.vectors.trees import TREES, Tree, committed


def drift(tree: Tree) -> list[str]:
    """What differs between the committed tree and a fresh build: one line per file, naming
    the family that makes it (empty when the tree reproduces byte for byte)."""
    fresh = tree.build_by_family()
    held = committed(tree)
    lines = [
        f"{tree.path}/{name}: not committed ({fam})"
        for name, (fam, _) in fresh.items()
        if name not in held
    ]
    lines += [f"{tree.path}/{name}: no generator makes it" for name in held if name not in fresh]
    lines += [
        f"{tree.path}/{name}: differs ({fam})"
        for name, (fam, data) in fresh.items()
        if name in held and held[name] != data
    ]
    return sorted(lines)


def regenerate(tree: Tree, out: Path) -> int:
    """Write ``tree`` into ``out`` (stale vector files removed); the number of files."""
    files = tree.build()
    write_tree(out, files)
    return len(files)


def main(argv: list[str] | None = None) -> int:
    """``python -m scripts.vectors``: regenerate or check the named trees (default: all)."""
    parser = argparse.ArgumentParser(prog="python -m scripts.vectors", description=__doc__)
    parser.add_argument(
        "trees", nargs="*", metavar="TREE", help=" or ".join(TREES) + " (default: all)"
    )
    parser.add_argument("--out", type=Path, help="write each tree to OUT/<tree> instead")
    parser.add_argument("--check", action="store_true", help="compare with the committed trees")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.trees) - set(TREES))
    if unknown:  # (argparse's choices refuse an empty list of a nargs="*" positional)
        parser.error(f"no tree {', '.join(unknown)}; choose from {', '.join(TREES)}")
    trees = [TREES[name] for name in args.trees or TREES]
    if args.check:
        problems = [line for tree in trees for line in drift(tree)]
        print("\n".join(problems) or "every tree reproduces byte for byte")
        return 1 if problems else 0
    for tree in trees:
        out = ROOT / tree.path if args.out is None else args.out / tree.name
        print(f"wrote {regenerate(tree, out)} files to {out}")
    return 0


def main_one(tree_name: str, argv: list[str] | None = None) -> int:
    """The single-tree commands: regenerate ``tree_name`` in place or into ``--out DIR``."""
    tree = TREES[tree_name]
    parser = argparse.ArgumentParser(description=f"Regenerate {tree.path}/ byte for byte.")
    parser.add_argument("--out", type=Path, default=ROOT / tree.path)
    args = parser.parse_args(argv)
    print(f"wrote {regenerate(tree, args.out)} files to {args.out}")
    return 0
