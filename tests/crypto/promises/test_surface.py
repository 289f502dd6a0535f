"""crypto/'s public surface: what other packages may use, and that the byte formats stay inside.

The promise: docs/ARCHITECTURE.md, "The rules, and what checks them" — crypto/ is a pure
library and owns every byte format; other packages use only the modules ``crypto/__init__.py``
lists.

The import-linter contract in pyproject.toml stops other packages importing ``crypto._*``;
these tests keep that contract complete as modules are added, and check that no module
outside crypto/ re-derives the envelope layout (the offsets and sizes it once copied).
"""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path

import pytest

import crypto

ROOT = Path(__file__).resolve().parents[3]
PRIVATE = sorted(p.stem for p in (ROOT / "crypto").glob("_*.py") if p.stem != "__init__")


@pytest.mark.parametrize("name", crypto.__all__)
def test_every_public_module_imports(name: str) -> None:
    module = importlib.import_module(f"crypto.{name}")
    assert module.__doc__ and module.__doc__.strip()


def test_public_list_is_every_public_module() -> None:
    on_disk = {p.stem for p in (ROOT / "crypto").glob("*.py") if not p.stem.startswith("_")}
    assert set(crypto.__all__) == on_disk


def test_private_modules_are_all_forbidden_to_other_packages() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    private = next(c for c in contracts if c["name"].startswith("crypto internals are private"))
    assert set(private["source_modules"]) == {"vault", "intake", "reviewer"}
    assert sorted(private["forbidden_modules"]) == [f"crypto.{m}" for m in PRIVATE]


# What copying the envelope layout looked like: its magic, its chunk and tag sizes, offsets of
# the stanza count, stanza strides. None of it may appear outside crypto/ (and the browser
# code, which implements the same SPEC and runs the same vectors).
_LAYOUT = [
    re.compile(rb"BISIKENV"),
    re.compile(rb"^\s*(CHUNK|TAG|CT_CHUNK|PREFIX_LEN|STANZA_LEN|MAC_LEN)\s*=", re.M),
    re.compile(rb"\[\s*10\s*:\s*12\s*\]"),
    re.compile(rb"\bMIN_PADDED\b|\bpadme\b|\bSTANZA_LEN\b|\bPREFIX_LEN\b"),
]


def _python_outside_crypto() -> list[Path]:
    return [p for pkg in ("intake", "vault", "reviewer") for p in (ROOT / pkg).rglob("*.py")]


@pytest.mark.parametrize("pattern", _LAYOUT, ids=lambda p: p.pattern.decode())
def test_no_envelope_layout_outside_crypto(pattern: re.Pattern[bytes]) -> None:
    hits = [
        str(p.relative_to(ROOT)) for p in _python_outside_crypto() if pattern.search(p.read_bytes())
    ]
    assert hits == []


def test_layout_check_would_catch_a_copy(tmp_path: Path) -> None:
    """The patterns above match the code they replaced (so the test above can fail)."""
    copied = b'CHUNK = 1 << 16\n(count,) = struct.unpack(">H", prefix[10:12])\n'
    assert any(p.search(copied) for p in _LAYOUT[1:3])
    assert _LAYOUT[0].search(b'head[:8] != b"BISIKENV"')
