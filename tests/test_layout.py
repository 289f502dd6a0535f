"""Tests mirror the packages (docs/ARCHITECTURE.md, "The rules, and what checks them").

A test file ``tests/<pkg>/<sub>/test_<name>.py`` tests the module ``<pkg>/<sub>/<name>.py``
(or the private ``_<name>.py``) or the directory ``<pkg>/<sub>/<name>/`` (a package, or data
such as ``crypto/vectors/``). A promise that spans many modules is tested in
``tests/<pkg>/promises/test_<promise>.py`` (or ``tests/<pkg>/<sub>/promises/`` when it is a
promise of that subpackage, such as the desktop app's keyboard-only use), whose module
docstring names the document that makes the promise (an existing ``*.md`` path, with its
section). Besides test files a folder
holds only ``__init__.py``, ``conftest.py`` and at most one ``helpers.py``. Finding ids and
audit names stay in docstrings, never in file names.

Exempt: the files directly under tests/ (servers, chromium, slow clients, the demo
organisation, this gate and the bench gate) and the folders that follow something other than a
module: ``e2e`` (whole flows), ``docs`` (documents), ``deploy`` (deploy/), ``fuzz`` (fuzz/),
``tor`` (a real tor network) and ``intake/browser`` (the page's JavaScript driven in chromium,
one file per page or flow).

A second rule has no exemption: no file under tests/ or bench/ imports a ``test_*`` module
(nor a ``test_*`` name from a package, nor one through ``import_module``). What test files
share lives in their folder's ``helpers.py`` (functions, constants) or ``conftest.py``
(fixtures), so a test file holds only its tests and can be renamed, moved or deleted alone.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXEMPT = {("e2e",), ("docs",), ("deploy",), ("fuzz",), ("tor",), ("intake", "browser")}
SUPPORT = {"__init__.py", "conftest.py", "helpers.py"}
PROMISES = "promises"
_DOC = re.compile(r"[\w./-]+\.md\b")
_FINDING = re.compile(r"(?:^|_)(?:[a-z]\d{1,2}|audit)(?:_|$)")  # U4, N6, F13, "audit"
IMPORTING = ("tests", "bench")  # the folders whose files may not import a test module
_IMPORTERS = {"import_module", "__import__"}


def _exempt(parts: tuple[str, ...]) -> bool:
    folder = parts[:-1]
    return not folder or any(folder[: len(e)] == e for e in EXEMPT)


def _named_docs(path: Path, root: Path) -> list[str]:
    docstring = ast.get_docstring(ast.parse(path.read_text("utf-8"))) or ""
    return [name for name in _DOC.findall(docstring) if (root / name).is_file()]


def layout_problem(path: Path, root: Path = ROOT) -> str | None:
    """Why ``path`` (a .py file under ``root``/tests) breaks the layout rule, or None."""
    parts = path.relative_to(root / "tests").parts
    if _exempt(parts) or path.name in SUPPORT:
        return None
    if not path.name.startswith("test_"):
        return "a helper module other than helpers.py (fold it into the folder's helpers.py)"
    folder, stem = parts[:-1], path.name[len("test_") : -len(".py")]
    if folder[-1] == PROMISES:
        if _FINDING.search(stem):
            return "a finding id or audit name in the file name (keep it in the docstring)"
        if PROMISES in folder[:-1] or not root.joinpath(*folder[:-1]).is_dir():
            return "promises/ belongs in a test folder that mirrors a package"
        if not _named_docs(path, root):
            return "a promise test whose docstring names no existing document (*.md path)"
        return None
    source = root.joinpath(*folder)
    if PROMISES in folder:
        return "only promise tests sit under promises/"
    if (source / f"{stem}.py").is_file() or (source / f"_{stem}.py").is_file():
        return None
    if (source / stem).is_dir():
        return None
    shown = "/".join(folder)
    return f"mirrors neither {shown}/{stem}.py nor {shown}/{stem}/ (or move it to promises/)"


def layout_problems(root: Path = ROOT) -> list[str]:
    """Every file under ``root``/tests that breaks the rule, with the reason."""
    problems = []
    for path in sorted((root / "tests").rglob("*.py")):
        problem = layout_problem(path, root)
        if problem:
            problems.append(f"{path.relative_to(root)}: {problem}")
    return problems


def _callee(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def _imported_names(node: ast.AST) -> list[str]:
    """The dotted names an import statement or an ``import_module("...")`` call brings in
    (relative ones with their leading dots); [] for any other node."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        module = "." * node.level + (node.module or "")
        stem = module if module.endswith(".") else module + "."
        return [module, *(stem + alias.name for alias in node.names)]
    if isinstance(node, ast.Call) and _callee(node.func) in _IMPORTERS and node.args:
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return [first.value]
    return []


def _test_imports(path: Path) -> list[tuple[int, str]]:
    """(line, name) of every import in ``path`` that names a ``test_*`` module, in line order."""
    hits = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        names = _imported_names(node)
        bad = next((n for n in names if any(p.startswith("test_") for p in n.split("."))), None)
        if bad is not None:
            hits.append((getattr(node, "lineno", 0), bad))
    return sorted(hits)


def import_problems(root: Path = ROOT) -> list[str]:
    """Every import of a test module by a file under ``root``/tests or ``root``/bench, as
    ``path:line: ...``."""
    problems = []
    for path in sorted(p for folder in IMPORTING for p in (root / folder).rglob("*.py")):
        for line, name in _test_imports(path):
            problems.append(
                f"{path.relative_to(root)}:{line}: imports {name} (what test files share goes"
                " in their folder's helpers.py, fixtures in its conftest.py)"
            )
    return problems


def test_every_test_file_mirrors_a_module_or_tests_a_written_promise() -> None:
    assert layout_problems() == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
    return tmp_path


def test_the_rule_names_each_file_that_breaks_it(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "pkg/store.py": "",
            "pkg/_stream.py": "",
            "pkg/sub/__init__.py": "",
            "pkg/vectors/a.json": "{}",
            "docs/PROMISES.md": "# P1\n",
            "tests/pkg/test_store.py": "",
            "tests/pkg/test_stream.py": "",
            "tests/pkg/test_sub.py": "",
            "tests/pkg/test_vectors.py": "",
            "tests/pkg/helpers.py": "",
            "tests/pkg/conftest.py": "",
            "tests/pkg/promises/test_kept.py": '"""docs/PROMISES.md P1."""\n',
            "tests/e2e/test_anything.py": "",
            "tests/servers.py": "",
            "tests/pkg/test_bad_input.py": "",
            "tests/pkg/test_store_u4.py": "",
            "tests/pkg/sub/test_store.py": "",
            "tests/pkg/factory.py": "",
            "tests/pkg/promises/test_unwritten.py": '"""Nothing is lost."""\n',
            "tests/pkg/promises/test_missing_doc.py": '"""docs/GONE.md §2."""\n',
            "tests/pkg/promises/test_replay_u4.py": '"""docs/PROMISES.md P1."""\n',
            "tests/pkg/promises/test_audit_fixes.py": '"""docs/PROMISES.md P1."""\n',
            "tests/pkg/sub/promises/test_sub_kept.py": '"""docs/PROMISES.md P1."""\n',
            "tests/pkg/gone/promises/test_kept.py": '"""docs/PROMISES.md P1."""\n',
            "tests/pkg/promises/deeper/test_store.py": "",
        },
    )
    bad = [line.split(":")[0] for line in layout_problems(root)]
    assert bad == [
        "tests/pkg/factory.py",
        "tests/pkg/gone/promises/test_kept.py",
        "tests/pkg/promises/deeper/test_store.py",
        "tests/pkg/promises/test_audit_fixes.py",
        "tests/pkg/promises/test_missing_doc.py",
        "tests/pkg/promises/test_replay_u4.py",
        "tests/pkg/promises/test_unwritten.py",
        "tests/pkg/sub/test_store.py",
        "tests/pkg/test_bad_input.py",
        "tests/pkg/test_store_u4.py",
    ]


def test_no_file_imports_a_test_module() -> None:
    assert import_problems() == []


def test_the_import_rule_names_each_import_of_a_test_module(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "tests/pkg/test_store.py": "from tests.pkg.helpers import make\n",
            "tests/pkg/test_other.py": (
                "import pytest\n"
                "from tests.pkg import helpers\n"
                "from tests.pkg.conftest import ORG\n"
                "from tests.latest_data import attested_vectors\n"
                "from .helpers import attest\n"
            ),
            "tests/pkg/helpers.py": "def make() -> None: ...\n",
            "bench/good_bench.py": "from tests.pkg.helpers import make\n",
            "tests/pkg/test_absolute.py": "from tests.pkg.test_store import make\n",
            "tests/pkg/test_plain.py": "import tests.pkg.test_store\n",
            "tests/pkg/test_relative.py": "from .test_store import make\n",
            "tests/pkg/test_package.py": "from . import test_store\n",
            "tests/pkg/test_sys_path.py": "\n\nfrom test_store import make\n",
            "tests/pkg/test_late.py": "def f():\n    from tests.pkg.test_store import make\n",
            "tests/pkg/test_dynamic.py": (
                "import importlib\nimportlib.import_module('tests.pkg.test_store')\n"
            ),
            "bench/bad_bench.py": "from tests.pkg.test_store import make  # noqa: E402\n",
        },
    )
    bad = [":".join(line.split(":")[:2]) for line in import_problems(root)]
    assert bad == [
        "bench/bad_bench.py:1",
        "tests/pkg/test_absolute.py:1",
        "tests/pkg/test_dynamic.py:2",
        "tests/pkg/test_late.py:2",
        "tests/pkg/test_package.py:1",
        "tests/pkg/test_plain.py:1",
        "tests/pkg/test_relative.py:1",
        "tests/pkg/test_sys_path.py:3",
    ]
