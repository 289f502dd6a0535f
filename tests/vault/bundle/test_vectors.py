"""Every vector in vault/bundle/vectors/ (one scenario per file) through the real readers.

A vector names its direction, the expected outcome ("ok" with the item list, or the *exact*
BundleError class) and a comment. The bundles are stored bytes, so a format change that
would break laptops in the field breaks this test first. Regenerate with
``.venv/bin/python scripts/make_bundle_vectors.py`` (scripts/vectors/bundle.py; review the diff).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

import vault.bundle as bundle
from crypto.directory import verify_directory
from crypto.keys import load_ed25519_public

ROOT = Path(__file__).resolve().parents[3]
VECTORS = ROOT / "vault" / "bundle" / "vectors"
FILES = sorted(p for p in VECTORS.glob("*.json") if p.name != "org.json")


@pytest.fixture(scope="module")
def directory():
    import datetime as dt

    org = json.loads((VECTORS / "org.json").read_text())
    root = load_ed25519_public(org["root_pub"])
    return verify_directory(org["directory"], root, dt.date.fromisoformat(org["today"]))


def test_there_are_vectors_for_both_directions_and_outcomes():
    vectors = [json.loads(p.read_text()) for p in FILES]
    assert len(vectors) >= 40
    assert {v["direction"] for v in vectors} == {"export", "outbox"}
    assert {v["expect"] for v in vectors} >= {
        "ok",
        "BundleTruncatedError",
        "BundleFormatError",
        "BundleIntegrityError",
        "BundleSignatureError",
    }


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_vector(path: Path, directory, tmp_path):
    vector = json.loads(path.read_text())
    assert vector["comment"]
    bundle_path = tmp_path / "bundle"
    bundle_path.write_bytes(base64.b64decode(vector["bundle"]))

    def read():
        if vector["direction"] == "export":
            return bundle.read_export(bundle_path, directory, staging_dir=tmp_path)
        return bundle.read_outbox(
            bundle_path, directory, directory.server_key, staging_dir=tmp_path
        )

    if vector["expect"] == "ok":
        with read() as verified:
            got = [[i.kind, i.case, i.sha256] for i in verified.items()]
        assert got == vector["items"]
        return
    expected = getattr(bundle, vector["expect"])
    with pytest.raises(expected) as info:
        read()
    assert type(info.value) is expected, f"{type(info.value).__name__}: {info.value}"
    assert info.value.hint
    assert [p.name for p in tmp_path.iterdir()] == ["bundle"], "staging removed on rejection"


def test_writers_still_produce_the_stored_bytes():
    """The generator (scripts/vectors/bundle.py) is deterministic (seeded keys, Sealer seams,
    fixed ids): re-running it must give the stored vectors byte for byte, so any change to the
    writers' output shows up here as a format change to review, not as silent drift."""
    from scripts.vectors.cli import drift
    from scripts.vectors.trees import BUNDLE

    assert drift(BUNDLE) == []
