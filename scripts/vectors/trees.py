"""The two vector trees, the families that fill each, and building a tree's files.

A family is one module with a ``vectors()`` function (file stem → vector); a tree is a
directory of the checkout, the families whose files it holds and the one file that is not a
vector (``index.json`` in crypto/vectors/, ``org.json`` in vault/bundle/vectors/).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scripts.vectors import (
    bundle,
    consent,
    directory,
    document,
    envelope_ok,
    envelope_reject,
    followup,
    hpke,
    identity,
    keyfile,
    link,
    proof,
    receipt,
    signed,
    store,
    track,
)
from scripts.vectors.common import ROOT, Vector, render, require

Family = Callable[[], dict[str, Vector]]


@dataclass(frozen=True)
class Tree:
    """A directory of vector files and the generators that write it."""

    name: str
    path: Path  # relative to the repository root
    families: dict[str, Family]
    index_file: Callable[[list[str]], tuple[str, Vector]]  # the non-vector file, given the names
    ascii_only: bool = False  # render()'s encoding of the tree's files

    def build(self) -> dict[str, bytes]:
        """Every file of the tree (name → bytes), built from the fixed inputs."""
        return {name: data for name, (_, data) in self.build_by_family().items()}

    def build_by_family(self) -> dict[str, tuple[str, bytes]]:
        """Every file of the tree with the family that made it (name → (family, bytes))."""
        files: dict[str, tuple[str, bytes]] = {}
        for family in self.families:
            for name, data in self.family_files(family).items():
                require(name not in files, f"two families make {name}")
                files[name] = (family, data)
        name, vector = self.index_file(sorted(files))
        files[name] = ("tree", render(vector, ascii_only=self.ascii_only))
        return files

    def family_files(self, family: str) -> dict[str, bytes]:
        """The files one family makes (name → bytes), as the tree writes them."""
        return {
            stem + ".json": render(vector, ascii_only=self.ascii_only)
            for stem, vector in self.families[family]().items()
        }


def _crypto_index(names: list[str]) -> tuple[str, Vector]:
    return "index.json", {
        "comment": "Every vector file in this directory (one scenario each); see README.md.",
        "files": names,
    }


CRYPTO = Tree(
    "crypto",
    Path("crypto/vectors"),
    {
        "envelope-ok": envelope_ok.vectors,
        "envelope-reject": envelope_reject.vectors,
        "hpke": hpke.vectors,
        "receipt": receipt.vectors,
        "followup": followup.vectors,
        "signed": signed.vectors,
        "directory": directory.vectors,
        "document": document.vectors,
        "keyfile": keyfile.vectors,
        "store": store.vectors,
        "proof": proof.vectors,
        "consent": consent.vectors,
        "link": link.vectors,
        "track": track.vectors,
        "identity": identity.vectors,
    },
    _crypto_index,
)

BUNDLE = Tree(
    "bundle",
    Path("vault/bundle/vectors"),
    {"bundle": bundle.vectors},
    lambda names: ("org.json", bundle.org()),
    ascii_only=True,
)

TREES = {tree.name: tree for tree in (CRYPTO, BUNDLE)}


def committed(tree: Tree) -> dict[str, bytes]:
    """The tree's files as the checkout holds them."""
    return {p.name: p.read_bytes() for p in (ROOT / tree.path).glob("*.json")}
