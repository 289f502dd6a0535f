"""The CLI frame: command list, one error handler, language choice, tables, progress bar."""

from __future__ import annotations

import io
import json
from importlib import resources
from pathlib import Path
from typing import Any

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
    for name in (
        "init",
        "org",
        "import",
        "list",
        "show",
        "note",
        "set",
        "assign",
        "reply",
        "status",
        "outbox",
        "due",
    ):
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

    cat = {
        lang: json.loads(
            resources.files("reviewer.i18n").joinpath(f"{lang}.json").read_text(encoding="utf-8")
        )
        for lang in ("id", "en")
    }
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

    code = (
        "import sys, reviewer.cli; reviewer.cli.build_parser();"
        "import reviewer.importer, reviewer.bundles, reviewer.outbox;"
        "bad=[m for m in sys.modules if m.split('.')[0] in "
        "('flask','werkzeug','intake','sqlalchemy')]; print(bad); sys.exit(bool(bad))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


def test_import_stages_inside_the_home_not_tmpdir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import tempfile

    import vault.bundle

    from .helpers import PASSPHRASE, make_org, make_report, write_export

    team = make_org(tmp_path / "team")
    d = team.directory()
    bundle = tmp_path / "export.bisik"
    write_export(
        bundle, team.server_key, [make_report(d, ["ayu", "budi"], evidence=2) for _ in range(2)]
    )
    home = team.lead.home.root
    stale = home / "tmp" / "import-old" / "bisik-stage-x"
    stale.mkdir(parents=True)
    (stale / "0").write_bytes(b"left by a crashed import")
    os.chmod(home / "tmp", 0o755)  # noqa: S103
    tmpdir = tmp_path / "tmpdir"  # stands for a RAM-backed /tmp: must stay untouched
    tmpdir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmpdir))
    monkeypatch.setenv("TMPDIR", str(tmpdir))
    real, seen = vault.bundle.read_export, []

    def spy(path: Path, directory: Any, *, staging_dir: Path) -> Any:
        export = real(path, directory, staging_dir=staging_dir)
        seen.append(
            (Path(staging_dir), sorted(p for p in Path(staging_dir).rglob("*") if p.is_file()))
        )
        return export

    monkeypatch.setattr(vault.bundle, "read_export", spy)
    pp = tmp_path / "pp"
    pp.write_text(PASSPHRASE, encoding="utf-8")
    assert main(["import", str(bundle), "--home", str(home), "--passphrase-file", str(pp)]) == 0
    ((stage, files),) = seen
    assert stage.parent == home / "tmp"
    assert {f.name for f in files} >= {"index", "small"}  # small envelopes share "small"
    assert not stale.exists() and not any((home / "tmp").iterdir())  # swept, then cleaned up
    assert (home / "tmp").stat().st_mode & 0o777 == 0o700
    assert not any(tmpdir.iterdir())


def test_staged_bytes_and_verification_meter(tmp_path: Path) -> None:
    import time

    from reviewer.bundles import StagingMeter, staged_bytes

    stage = tmp_path / "run" / "bisik-stage-a"
    stage.mkdir(parents=True)
    for name, size in (("index", 10), ("small", 5), ("0", 100), ("1", 50)):
        (stage / name).write_bytes(b"x" * size)
    sizes: dict[str, int] = {}
    assert staged_bytes(tmp_path / "run", sizes) == 165
    assert sizes == {"0": 100}  # only complete items are cached; the newest is re-read
    (stage / "1").write_bytes(b"x" * (3 << 10))
    (stage / "2").write_bytes(b"x" * (2 << 10))
    assert staged_bytes(tmp_path / "run", sizes) == 115 + (5 << 10)
    buf = io.StringIO()
    with StagingMeter(tmp_path / "run", 64 << 10, buf, interval=0.01):
        deadline = time.monotonic() + 10
        while "5/64" not in buf.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
    text = buf.getvalue()
    assert t("import.verify_progress") in text and "5/64" in text  # drawn while staging
    assert "64/64" in text.rsplit("\r", 1)[-1]  # verified: the bar ends full
    quiet = StagingMeter(tmp_path / "run", 64 << 10, None)
    with quiet:
        pass
    assert not quiet.enabled and not quiet._thread.is_alive()
