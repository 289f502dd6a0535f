"""Fixtures for the deploy tests: the renderer loaded from deploy/render.py, and helpers.

deploy/ is not a Python package (its files are installed as configuration, not imported by
the service), so the renderer is loaded from its path.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def load_module(path: Path, name: str) -> ModuleType:
    """Import a file that is not on sys.path under ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def render() -> ModuleType:
    """deploy/render.py as a module."""
    return load_module(DEPLOY / "render.py", "bisik_deploy_render")


def need(tool: str) -> str:
    """Path of ``tool``; fail (not skip) when the project's system deps should have provided it."""
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is not installed: run scripts/install-system-deps.sh")
    return path
