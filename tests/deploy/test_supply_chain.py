"""Supply chain: the hash-pinned locks cover pyproject's extras, agree with each other, are what
this environment was installed from, and bisik's own wheel builds byte for byte the same twice
(so two people can rebuild the reviewer's wheelhouse and compare SHA256SUMS)."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCKS = {"server": "server.lock", "reviewer": "reviewer.lock", "test": "dev.lock"}
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\]+)")


def _parse_lock(name: str) -> dict[str, tuple[str, int]]:
    """{canonical name: (version, number of hashes)} for one lock file."""
    pins: dict[str, tuple[str, int]] = {}
    current = None
    for line in (ROOT / "requirements" / name).read_text(encoding="utf-8").splitlines():
        m = PIN.match(line)
        if m:
            current = canonicalize_name(m.group(1))
            pins[current] = (m.group(2), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
        elif line and not line.startswith((" ", "#")):
            raise AssertionError(f"{name}: unpinned or unexpected line {line!r}")
    return pins


def _direct(extra: str) -> list[Requirement]:
    """The third-party requirements an extra pulls in, following bisik[...] self-references."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = [Requirement(r) for r in project["dependencies"]]
    todo, seen = [extra], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for raw in project["optional-dependencies"][name]:
            req = Requirement(raw)
            if canonicalize_name(req.name) == "bisik":
                todo.extend(req.extras)
            else:
                found.append(req)
    return found


@pytest.mark.parametrize("extra", sorted(LOCKS))
def test_lock_pins_every_requirement_of_its_extra_with_hashes(extra: str) -> None:
    pins = _parse_lock(LOCKS[extra])
    assert pins, "empty lock"
    for req in _direct(extra):
        name = canonicalize_name(req.name)
        assert name in pins, f"{LOCKS[extra]} lacks {req} (run scripts/lock.sh)"
        assert req.specifier.contains(pins[name][0], prereleases=True), (
            f"{LOCKS[extra]} pins {name}=={pins[name][0]}, outside {req.specifier}"
        )
    assert all(hashes >= 1 for _, hashes in pins.values())


def test_locks_agree_on_every_shared_package() -> None:
    parsed = {lock: _parse_lock(lock) for lock in LOCKS.values()}
    versions: dict[str, set[str]] = {}
    for pins in parsed.values():
        for name, (version, _) in pins.items():
            versions.setdefault(name, set()).add(version)
    assert {n: v for n, v in versions.items() if len(v) > 1} == {}


def test_this_environment_was_installed_from_the_dev_lock() -> None:
    pins = _parse_lock("dev.lock")
    differ = {}
    for name, (version, _) in pins.items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            differ[name] = (version, None)
            continue
        if installed != version:
            differ[name] = (version, installed)
    assert differ == {}


@pytest.mark.slow
def test_own_wheel_is_reproducible(tmp_path: Path) -> None:
    digests = []
    for run in ("a", "b"):
        out = tmp_path / run
        env = {**os.environ, "PYTHON": sys.executable}
        subprocess.run(
            ["bash", str(ROOT / "scripts" / "build-own-wheel.sh"), str(out)],
            check=True,
            cwd=ROOT,
            env=env,
            capture_output=True,
        )
        (wheel,) = out.glob("bisik-*.whl")
        digests.append(hashlib.sha256(wheel.read_bytes()).hexdigest())
    assert digests[0] == digests[1]
