"""The CLI frame: command list, one error handler, language choice, tables, progress bar."""

from __future__ import annotations

import io
import json
from importlib import resources
from pathlib import Path

import pytest

from reviewer import cli
from reviewer.cli import CommandModuleMissing, load_commands, main
from reviewer.i18n import t
from reviewer.ui.progress import Progress
from reviewer.ui.table import render


def test_every_listed_command_module_registers() -> None:
    modules = load_commands()
    assert len(modules) == len(cli.COMMANDS)
    parser = cli.build_parser()
    for name in ("init", "org", "import", "list", "show", "note", "set", "assign", "reply",
                 "status", "outbox", "due"):  # fmt: skip
        with pytest.raises(SystemExit) as exc:
            parser.parse_args([name, "--help"])
        assert exc.value.code == 0


def test_missing_command_module_is_a_hard_error() -> None:
    with pytest.raises(CommandModuleMissing):
        load_commands([*cli.COMMANDS, "does_not_exist"])


def test_errors_print_error_and_hint_traceback_only_when_verbose(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = ["--home", str(tmp_path / "empty")]
    assert main(["list", *home]) == 1
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines[0].startswith("error: ") and lines[1].startswith("hint: ")
    assert "Traceback" not in err
    assert main(["list", "--verbose", *home]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_language_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BISIK_LANG", raising=False)
    indonesian = t("state.need_info")
    monkeypatch.setenv("BISIK_LANG", "en")
    assert t("state.need_info") == "more information needed" != indonesian


def test_catalogues_have_the_same_keys_and_placeholders() -> None:
    import string

    cat = {lang: json.loads(resources.files("reviewer.i18n").joinpath(f"{lang}.json")
                            .read_text(encoding="utf-8")) for lang in ("id", "en")}  # fmt: skip
    assert cat["id"].keys() == cat["en"].keys()
    fmt = string.Formatter()
    for key in cat["id"]:
        names = [{f for _, f, _, _ in fmt.parse(cat[lang][key]) if f} for lang in ("id", "en")]
        assert names[0] == names[1], key


def test_table_and_progress() -> None:
    text = render(["A", "Kolom"], [("x", "sangat panjang sekali"), ("yy", None)], max_width=8)
    lines = text.splitlines()
    assert len(lines) == 4 and "sangat …" in lines[2] and lines[3].rstrip() == "yy"
    buf = io.StringIO()
    bar = Progress(4, "Mengimpor", stream=buf, force=True)
    for _ in range(4):
        bar.advance()
    bar.close()
    assert "4/4" in buf.getvalue() and buf.getvalue().endswith("\n")
    quiet = io.StringIO()
    Progress(4, "x", stream=quiet).close()  # not a terminal: nothing drawn
    assert quiet.getvalue() == ""


def test_reviewer_never_imports_flask_or_intake() -> None:
    import subprocess
    import sys

    code = ("import sys, reviewer.cli; reviewer.cli.build_parser();"
            "import reviewer.importer, reviewer.bundles, reviewer.outbox;"
            "bad=[m for m in sys.modules if m.split('.')[0] in "
            "('flask','werkzeug','intake','sqlalchemy')]; print(bad); sys.exit(bool(bad))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
