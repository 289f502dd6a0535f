"""``shell``: unlock once, then run subcommands at a ``bisik>`` prompt until ``exit`` or EOF.

Every other command pays one Argon2id run (about 3 s at the *sensitive* preset) to open the
key file; the shell pays it once. Each line is split like a shell would (``shlex``) and parsed
by the same argparse parser as ``bisik-reviewer``, then run through the same error handler;
commands get the shell's session from :func:`reviewer.session.open_session`, so none asks for
the passphrase again. The store stays locked while the shell runs (another ``bisik-reviewer``
is refused), and the keys live only in this process's memory.

Idle timeout: waiting at the prompt longer than ``--idle-minutes`` (default 15) closes the
session and exits, as if ``exit`` had been typed. Only the prompt counts as idle: a command
that is running (a long import) or asking its own question is not interrupted. The timer is
SIGALRM, so the shell must run in the main thread (it always does as a program).

Lines typed are kept in memory (line-editing history) for the shell's life only, never on disk.
Exit status: 0 if every command succeeded, else 1.
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import signal
import sys
from types import FrameType
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..i18n import t
from ..session import hold_session
from ..ui.terminal import err, one_line

if TYPE_CHECKING:
    from ..cli import Parser

PROMPT = "bisik> "
DEFAULT_IDLE_MINUTES = 15.0
EXIT_WORDS = frozenset({"exit", "quit", "keluar"})
HELP_WORDS = frozenset({"help", "bantuan", "?"})


class _Idle(Exception):
    """Raised by the SIGALRM handler while the shell waits at the prompt."""


def register(sub: Any) -> None:
    p = sub.add_parser("shell", help=t("shell.help"), description=t("shell.description"))
    p.add_argument(
        "--idle-minutes",
        type=float,
        default=DEFAULT_IDLE_MINUTES,
        metavar="MIN",
        help=t("shell.idle", minutes=f"{DEFAULT_IDLE_MINUTES:g}"),
    )
    p.set_defaults(func=run)


def _on_alarm(_signum: int, _frame: FrameType | None) -> None:
    raise _Idle


def _read_line(interactive: bool) -> str | None:
    """One line from stdin (None at EOF). The prompt is shown only to someone typing."""
    if interactive and sys.stdout.isatty():
        try:
            return input(PROMPT)  # with line editing once readline is imported
        except EOFError:
            return None
    if interactive:
        sys.stderr.write(PROMPT)
        sys.stderr.flush()
    line = sys.stdin.readline()
    return None if line == "" else line.rstrip("\n")


def _wait_for_line(interactive: bool, idle_seconds: float) -> str | None:
    """The next line, or _Idle after ``idle_seconds`` without one."""
    signal.setitimer(signal.ITIMER_REAL, idle_seconds)
    try:
        return _read_line(interactive)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _words(line: str) -> list[str] | None:
    """The line's words; None (after printing why) if quotes are unbalanced."""
    try:
        words = shlex.split(line)
    except ValueError:
        err(f"error: {t('shell.quotes')}")
        return None
    if words[:1] == ["bisik-reviewer"]:  # typed out of habit
        words = words[1:]
    return words


def _run_line(parser: Parser, words: list[str], verbose: bool) -> int:
    """Parse and run one line; a mistake in it prints ``error:``/``hint:``, never the usage."""
    from ..cli import ParseError, dispatch  # cli loads this module: import it late

    if words[0] in HELP_WORDS:
        words = ["--help"]
    if not words[0].startswith("-") and words[0] not in parser.commands:
        err(f"error: {t('shell.unknown_command', command=one_line(words[0]))}")
        err(f"hint: {t('shell.unknown_command.hint')}")
        return 1
    try:
        args = parser.parse_args(words)
    except ParseError as exc:
        err(f"error: {exc.message}")
        err(f"hint: {t('shell.usage_hint', command=one_line(words[0]))}")
        return 1
    except SystemExit as exc:  # argparse printed the help (--help)
        return 0 if exc.code in (0, None) else 1
    if args.func is run:
        err(f"error: {t('err.shell_nested')}")
        err(f"hint: {t('err.shell_nested.hint')}")
        return 1
    if verbose:
        args.verbose = True
    return dispatch(args)


def _loop(parser: Parser, args: argparse.Namespace, idle_seconds: float) -> tuple[bool, bool]:
    """Read and run lines until exit/EOF/idle; returns (all succeeded, ended by idle)."""
    interactive = sys.stdin.isatty()
    if interactive:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401
    verbose = bool(getattr(args, "verbose", False))
    ok = True
    while True:
        try:
            line = _wait_for_line(interactive, idle_seconds)
        except _Idle:
            if interactive:
                sys.stderr.write("\n")  # the message goes under the abandoned prompt
            return ok, True
        except KeyboardInterrupt:  # Ctrl-C at the prompt clears the line, as in a shell
            sys.stderr.write("\n")
            continue
        if line is None:
            if interactive:
                sys.stderr.write("\n")
            return ok, False
        words = _words(line)
        if words is None:
            ok = False
            continue
        if not words:
            continue
        if words[0] in EXIT_WORDS:
            return ok, False
        ok = _run_line(parser, words, verbose) == 0 and ok
        sys.stdout.flush()


def _forget_history() -> None:
    mod = sys.modules.get("readline")
    if mod is not None:
        mod.clear_history()


def run(args: argparse.Namespace) -> int:
    from ..cli import ShellParser, build_parser

    minutes = float(args.idle_minutes)
    if not 0 < minutes <= 24 * 60:
        raise UsageError("err.shell_idle")
    parser = build_parser(ShellParser)
    old = signal.signal(signal.SIGALRM, _on_alarm)
    try:
        with hold_session(args) as s:
            err(
                t("shell.ready", id=s.identity.id, cases=len(s.store.cases), minutes=f"{minutes:g}")
            )
            ok, idle = _loop(parser, args, minutes * 60)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        _forget_history()
    if idle:
        err(t("shell.idle_locked", minutes=f"{minutes:g}"))
    else:
        err(t("shell.closed"))
    return 0 if ok else 1
