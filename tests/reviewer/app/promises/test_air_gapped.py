"""The desktop app runs air-gapped: no module of reviewer/app imports Qt's network or web
modules (import-linter only sees top-level names such as ``socket``, so this test reads the
imports itself), and building every screen loads none of them.

The promise: docs/REVIEWER.md §3a (the app never touches a network) and docs/ARCHITECTURE.md,
"Reviewer library and CLI" (import contracts forbid the app any network module).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import reviewer.app

QT_NETWORK = (
    "PySide6.QtNetwork",
    "PySide6.QtNetworkAuth",
    "PySide6.QtWebEngine",
    "PySide6.QtWebSockets",
    "PySide6.QtWebChannel",
    "PySide6.QtWebView",
    "PySide6.QtHttpServer",
    "PySide6.QtRemoteObjects",
    "PySide6.QtBluetooth",
    "PySide6.QtNfc",
)
# the standard library's own network modules: never imported by the app's code (the
# interpreter itself may load some of them at start-up, so they are checked statically only)
NETWORK = (*QT_NETWORK, "socket", "ssl", "http", "urllib")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
    return names


def test_no_network_module_is_imported_by_the_app() -> None:
    root = Path(reviewer.app.__file__).parent
    files = sorted(root.rglob("*.py"))
    assert len(files) > 10
    bad = {(f.name, n) for f in files for n in _imports(f) if n.startswith(NETWORK)}
    assert bad == set()


def test_building_every_screen_loads_no_network_module(tmp_path: Path) -> None:
    """A fresh interpreter imports the whole app and draws the window: sys.modules is then
    searched for Qt network and web modules (what an indirect import would have loaded). The
    home is empty, so the window it draws is the first-run set-up screen."""
    script = (
        "import os, sys; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "import reviewer.app.main, reviewer.app.window\n"
        "from reviewer.home import Home\n"
        f"w = reviewer.app.window.MainWindow(Home.from_env({str(tmp_path)!r}))\n"
        "w.show(); app.processEvents()\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    loaded = done.stdout.split()
    assert "reviewer.app.workspace" in loaded and "reviewer.app.trust" in loaded
    assert [m for m in loaded if m.startswith(QT_NETWORK)] == []
