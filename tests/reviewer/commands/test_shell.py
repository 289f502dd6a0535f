"""``bisik-reviewer shell``: one unlock for many commands, the lock held, idle timeout.

The shell runs as a real subprocess driven through stdin, with real keys (``test`` KDF
profile), a real export bundle and the real store. That the passphrase is used once is shown
two ways: ``--verbose`` reports every unlock on stderr (exactly one must appear), and the
passphrase file is deleted once the shell is open — the commands after that still work, while
a one-shot command (which must unlock) fails without it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from reviewer import session
from reviewer.errors import UsageError, WrongPassphrase
from reviewer.i18n import t
from reviewer.store import CaseStore
from vault.bundle import read_outbox

from ..helpers import PASSPHRASE, FakeReport, Org, drive_tty, make_report, write_export

CLI = [sys.executable, "-m", "reviewer.cli"]
TIMEOUT = 120


def _unlock_lines(stderr: str) -> list[str]:
    head = "debug: " + t("session.unlocked", n=0, seconds="").split("0")[0]
    return [line for line in stderr.splitlines() if line.startswith(head)]


@pytest.fixture
def setup(team: Org, tmp_path: Path) -> tuple[Path, Path, Path, list[FakeReport]]:
    """(lead home, passphrase file, export bundle with three cases for ayu, the reports)."""
    d = team.directory()
    reports = [make_report(d, ["ayu", "budi"], text=f"Laporan {i}") for i in range(3)]
    bundle = tmp_path / "export.bisik"
    write_export(bundle, team.server_key, reports)
    pp = tmp_path / "pp"
    pp.write_text(PASSPHRASE + "\n", encoding="utf-8")
    return team.lead.home.root, pp, bundle, reports


def _args(home: Path, pp: Path, *extra: str) -> list[str]:
    return ["--home", str(home), "--passphrase-file", str(pp), *extra]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BISIK_PASSPHRASE", "BISIK_LANG")}
    return {**env, "PYTHONUNBUFFERED": "1"}


def _run(argv: list[str], script: str | None = None) -> subprocess.CompletedProcess[str]:
    """``bisik-reviewer ARGV`` as a separate process, ``script`` on its stdin; never raises."""
    return subprocess.run(
        [*CLI, *argv],
        input=script,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=TIMEOUT,
        check=False,
    )


def _open_shell(*argv: str) -> subprocess.Popen[str]:
    """``bisik-reviewer shell ARGV`` running, with pipes to its stdin, stdout and stderr."""
    return subprocess.Popen(
        [*CLI, "shell", *argv],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )


def _session_args(team: Org, tmp_path: Path) -> argparse.Namespace:
    """What the command line gives the session: the lead's home and a passphrase file."""
    pp = tmp_path / "pp"
    pp.write_text(PASSPHRASE, encoding="utf-8")
    return argparse.Namespace(home=str(team.lead.home.root), passphrase_file=str(pp))


def test_daily_routine_in_one_shell_unlocks_once(team: Org, setup: tuple, tmp_path: Path) -> None:
    home, pp, bundle, reports = setup
    case = reports[0].case_id
    outbox = tmp_path / "outbox.bisik"
    script = (
        "\n".join(
            [
                f"import {bundle}",
                "list",
                f"show {case[:8]}",
                f"status {case[:8]} in_review",
                "list --status in_review",
                f"bisik-reviewer outbox --out {outbox}",
                "exit",
                "list",  # after exit: never run
            ]
        )
        + "\n"
    )
    run = _run(["shell", *_args(home, pp, "--verbose")], script)
    assert run.returncode == 0, run.stderr
    unlocks = _unlock_lines(run.stderr)
    assert len(unlocks) == 1, run.stderr
    assert t("session.unlocked", n=1, seconds="X").split("X")[0] in unlocks[0]
    out = run.stdout
    assert all(r.case_id[:12] in out for r in reports)
    assert out.count(t("list.count", shown=3, total=3)) == 1  # the `list` after exit never ran
    assert out.count(t("list.count", shown=1, total=1)) == 1  # the one case now in review
    assert "Laporan 0" in out  # `show` decrypted the case
    # what the shell did is in the store, and the outbox verifies at the "server"
    directory = team.directory()
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        assert store.cases[case]["st"] == "in_review"
    with read_outbox(outbox, directory, team.server_key.public_key(), staging_dir=tmp_path) as box:
        assert box.signer == "ayu"
        assert [i.kind for i in box.items() if i.case == case] == ["status"]
    assert not any((home / "tmp").iterdir())  # the import's staging is gone


def test_passphrase_not_read_again_and_store_locked_while_open(
    setup: tuple, tmp_path: Path
) -> None:
    home, pp, bundle, _ = setup
    proc = _open_shell(*_args(home, pp))
    try:
        assert proc.stderr is not None and proc.stdin is not None
        ready = t("shell.ready", id="ayu", cases=0, minutes="15")
        assert proc.stderr.readline().rstrip("\n") == ready  # unlocked, store open, waiting
        spare = tmp_path / "pp2"
        spare.write_bytes(pp.read_bytes())
        pp.unlink()  # a shell that unlocked again would now fail
        # the store is locked for the shell's whole life: a one-shot command is refused
        other = _run(["list", *_args(home, spare)])
        assert other.returncode == 1
        # ...and it says a shell holds the store (issue 9: it said only "in use")
        pid = str(proc.pid)
        assert t("err.store_locked_shell", pid=pid) in other.stderr
        assert t("err.store_locked_shell.hint") in other.stderr
        stdout, stderr = proc.communicate(
            f"import {bundle}\nlist\nlist --flagged\n", timeout=TIMEOUT
        )
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, stderr
    assert stdout.count(t("list.count", shown=3, total=3)) == 1
    # without the shell, a command must unlock: with the file gone it fails...
    gone = _run(["list", *_args(home, pp)])
    assert gone.returncode == 1
    # ...and with it, it works: the shell released the lock at EOF
    after = _run(["list", *_args(home, spare)])
    assert after.returncode == 0, after.stderr
    assert t("list.count", shown=3, total=3) in after.stdout


def test_idle_timeout_locks_and_exits(setup: tuple) -> None:
    home, pp, _, _ = setup
    proc = _open_shell(*_args(home, pp, "--idle-minutes", "0.01"))
    try:
        proc.wait(timeout=TIMEOUT)  # stdin stays open: only the idle timer can end it
    finally:
        if proc.poll() is None:
            proc.kill()
        _, stderr = proc.communicate()
    assert proc.returncode == 0
    assert t("shell.idle_locked", minutes="0.01") in stderr
    after = _run(["list", *_args(home, pp)])
    assert after.returncode == 0, after.stderr  # the lock went with the shell


def test_bad_lines_do_not_end_the_shell(setup: tuple) -> None:
    home, pp, bundle, reports = setup
    script = (
        "\n".join(
            [
                f"import {bundle}",
                "frobnicate",  # unknown command: error + hint, no usage dump
                'note abcd "unbalanced',  # shlex refuses
                "show 0000ffff",  # no such case: error + hint
                f"reply {reports[0].case_id[:8]}",  # no -m/--file: must not swallow the next lines
                "shell",  # no shell inside the shell
                "",
                "list",
            ]
        )
        + "\n"
    )
    run = _run(["shell", *_args(home, pp)], script)
    assert run.returncode == 1  # some commands failed
    assert t("list.count", shown=3, total=3) in run.stdout  # ...and the last one still ran
    assert run.stderr.count("error: ") >= 4
    assert t("err.shell_reply_stdin") in run.stderr and t("err.shell_nested") in run.stderr


def test_open_session_returns_the_held_session(team: Org, tmp_path: Path) -> None:
    args = _session_args(team, tmp_path)
    before = session.unlocks
    with session.hold_session(args) as held:
        assert session.unlocks == before + 1
        for _ in range(3):
            with session.open_session(argparse.Namespace()) as s:
                assert s.store is held.store and s.identity is held.identity
        assert session.home_of(argparse.Namespace()) == team.lead.home
        assert session.unlocks == before + 1
        other = argparse.Namespace(home=str(tmp_path / "other"))
        with pytest.raises(UsageError), session.open_session(other):
            pass
        with pytest.raises(UsageError), session.hold_session(args):
            pass
    assert session.held() is None
    with session.open_session(args):  # no shell any more: a fresh unlock
        assert session.unlocks == before + 2


def _drive_tty(argv: list[str], lines: list[str], deadline: float = 60.0) -> tuple[str, int]:
    """Run ``argv`` on a pseudo-terminal, typing one line each time a new prompt appears."""
    seen, status = drive_tty(argv, lines, deadline=deadline, env=_env())
    return seen.decode(errors="replace"), status


def test_on_a_terminal_prompt_ctrl_d_and_idle(setup: tuple) -> None:
    home, pp, _, _ = setup
    shell = [*CLI, "shell", *_args(home, pp)]
    text, status = _drive_tty(shell, ["list\n", "\x04"])  # a command, then Ctrl-D
    assert status == 0
    assert text.count("bisik> ") == 2 and t("list.count", shown=0, total=0) in text
    assert t("shell.closed") in text
    text, status = _drive_tty([*shell, "--idle-minutes", "0.01"], [])  # nobody types
    assert status == 0 and "bisik> " in text and t("shell.idle_locked", minutes="0.01") in text


def test_a_typo_in_the_shell_prints_error_and_hint_not_the_usage(setup: tuple) -> None:
    """Issue 9/13 finding: a typo at the prompt printed argparse's whole usage (every command,
    every option) instead of one ``error:`` and one ``hint:`` line."""
    home, pp, _, _ = setup
    script = "lsit\nlist --stauts received\nlist --status nonsense\nstatus\nlist\n"
    run = _run(["shell", *_args(home, pp)], script)
    assert run.returncode == 1
    assert "usage:" not in run.stderr and "usage:" not in run.stdout
    errors = [x for x in run.stderr.splitlines() if x.startswith("error: ")]
    hints = [x for x in run.stderr.splitlines() if x.startswith("hint: ")]
    assert len(errors) == len(hints) == 4
    assert errors[0] == "error: " + t("shell.unknown_command", command="lsit")
    assert hints[1] == "hint: " + t("shell.usage_hint", command="list")
    assert t("list.count", shown=0, total=0) in run.stdout  # the shell went on


def test_a_held_store_names_no_shell_when_a_command_holds_it(team: Org, tmp_path: Path) -> None:
    """The lock file says who holds the store only while it is held: a one-shot command's
    lock is reported as "another command", and a released lock leaves nothing behind."""
    from reviewer.errors import StoreError

    store_dir = team.lead.home.store
    key = team.lead.ident.store_key
    with CaseStore.open(store_dir, key):
        assert (store_dir / "lock").read_text().split()[0] == "command"
        with pytest.raises(StoreError) as refused, CaseStore.open(store_dir, key):
            pass  # pragma: no cover - never reached
        assert refused.value.key == "err.store_locked"
    assert (store_dir / "lock").read_bytes() == b""
    with CaseStore.open(store_dir, key, holder="shell"):
        with pytest.raises(StoreError) as refused, CaseStore.open(store_dir, key):
            pass  # pragma: no cover - never reached
        assert refused.value.key == "err.store_locked_shell"


def test_open_home_is_the_library_way_in(team: Org, tmp_path: Path) -> None:
    """A program that is not the command line opens a home with a passphrase it asked for
    itself; a wrong one is refused, and while it is open a command is told a shell holds it."""
    from reviewer.errors import StoreError, WrongPassphrase

    home = team.lead.home
    with pytest.raises(WrongPassphrase), session.open_home(home, "salah sekali kata sandinya"):
        pass  # pragma: no cover - never reached
    with session.open_home(home, PASSPHRASE) as s:
        assert s.identity.id == "ayu" and s.store.cases == {}
        with pytest.raises(StoreError) as held, CaseStore.open(home.store, s.identity.store_key):
            pass  # pragma: no cover - never reached
        assert held.value.key == "err.store_locked_shell"


def test_beside_runs_under_the_lock_while_the_key_is_unlocked(team: Org, tmp_path: Path) -> None:
    """open_session(beside=...): the store lock is taken before the Argon2id run, ``beside``
    runs holding it, on the calling thread, and has finished before the Session exists."""
    args = _session_args(team, tmp_path)
    lock = team.lead.home.store / "lock"
    seen: list[tuple[str, bool]] = []

    def beside() -> None:
        held_by = lock.read_text().split()[0]
        seen.append((held_by, threading.current_thread() is threading.main_thread()))

    before = session.unlocks
    with session.open_session(args, beside=beside) as s:
        assert seen == [("command", True)]
        assert s.identity.store_key == team.lead.ident.store_key
        assert session.unlocks == before + 1
    assert lock.read_bytes() == b""


def test_beside_failure_wins_and_leaves_nothing_held(team: Org, tmp_path: Path) -> None:
    """A failure of the work done beside the unlock is raised (after the unlock ended), no
    unlock thread is left and the store is released; a wrong passphrase is still refused."""
    args = _session_args(team, tmp_path)

    def broken() -> None:
        raise OSError(5, "bundle unreadable")

    with pytest.raises(OSError), session.open_session(args, beside=broken):
        pass  # pragma: no cover - never reached
    assert not [t for t in threading.enumerate() if t.name == "bisik-unlock"]
    assert (team.lead.home.store / "lock").read_bytes() == b""
    Path(args.passphrase_file).write_text("salah", encoding="utf-8")
    with pytest.raises(WrongPassphrase), session.open_session(args, beside=lambda: None):
        pass  # pragma: no cover - never reached
    assert (team.lead.home.store / "lock").read_bytes() == b""


def test_a_held_store_is_reported_before_any_unlock(team: Org, tmp_path: Path) -> None:
    """The lock comes first: a store held by another command costs no Argon2id run."""
    from reviewer.errors import StoreError

    args = _session_args(team, tmp_path)
    before = session.unlocks
    with (
        CaseStore.open(team.lead.home.store, team.lead.ident.store_key),
        pytest.raises(StoreError),
        session.open_session(args),
    ):
        pass  # pragma: no cover - never reached
    assert session.unlocks == before
