"""``bisik-reviewer``: a thin argparse front over the reviewer library.

Each subcommand lives in ``reviewer/commands/<module>.py`` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` (``args -> int``).
:data:`COMMANDS` is the one list of those modules: add a name to it to add a command. A name in
the list without its module is a hard error at start-up (not a silently missing command).

One handler (:func:`dispatch`) turns every :class:`~crypto.errors.BisikError` into ``error:``
and ``hint:`` lines on stderr and exit status 1; the traceback is printed only with
``--verbose``. ``shell`` parses each line it reads with the same parser and runs it through
the same handler.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn

from crypto.errors import BisikError

from .i18n import t
from .ui.terminal import err

# Order = order in --help. Other modules (evidence, escalate, track, stats) join by name.
COMMANDS: list[str] = [
    "init",
    "org",
    "shell",
    "import_bundle",
    "list_cases",
    "show",
    "note",
    "set_fields",
    "assign",
    "reply",
    "status",
    "link",
    "outbox",
    "due",
    "evidence",
    "escalate",
    "track",
    "lpsk",
    "stats",
    "verify_proof",
]


class CommandModuleMissing(RuntimeError):
    """A module named in COMMANDS does not exist or has no ``register``: a packaging bug."""


class ParseError(Exception):
    """A line :class:`ShellParser` refused: argparse's message, without its usage dump."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Parser(argparse.ArgumentParser):
    """argparse's parser, knowing the names of the subcommands registered on it."""

    commands: tuple[str, ...] = ()


class ShellParser(Parser):
    """For lines typed in ``shell``: a mistake raises :class:`ParseError` (the shell prints
    ``error:``/``hint:`` and keeps going) instead of printing the whole usage and exiting."""

    def error(self, message: str) -> NoReturn:
        """Raise ParseError (printed as ``error:``/``hint:``), not argparse's usage text."""
        raise ParseError(message)


def _common() -> argparse.ArgumentParser:
    # Defaults are SUPPRESS so the same option given before or after the subcommand both work.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", metavar="DIR", default=argparse.SUPPRESS, help=t("cli.home"))
    common.add_argument(
        "--passphrase-file",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help=t("cli.passphrase_file"),
    )
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=t("cli.verbose")
    )
    return common


class _Subparsers:
    """Wraps argparse's subparsers so every command also accepts the common options."""

    def __init__(self, inner: Any, common: argparse.ArgumentParser) -> None:
        self._inner, self._common = inner, common
        self.names: list[str] = []

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        kwargs["parents"] = [*kwargs.get("parents", []), self._common]
        parser: argparse.ArgumentParser = self._inner.add_parser(name, **kwargs)
        self.names.append(name)
        return parser

    def add_subparsers(self, parser: argparse.ArgumentParser, **kwargs: Any) -> _Subparsers:
        """Nested commands (``org init``…) that accept the common options too."""
        return _Subparsers(parser.add_subparsers(**kwargs), self._common)


def load_commands(names: Sequence[str] = COMMANDS) -> list[Any]:
    """Import every command module; CommandModuleMissing names the first one that is absent."""
    modules = []
    for name in names:
        try:
            module = importlib.import_module(f"{__package__}.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.commands.{name}":
                raise
            raise CommandModuleMissing(f"reviewer.commands.{name} is listed but missing") from exc
        if not callable(getattr(module, "register", None)):
            raise CommandModuleMissing(f"reviewer.commands.{name} has no register(subparsers)")
        modules.append(module)
    return modules


def build_parser(parser_class: type[Parser] = Parser) -> Parser:
    """The whole command line; ``parser_class`` :class:`ShellParser` for the shell's lines."""
    common = _common()
    parser = parser_class(prog="bisik-reviewer", description=t("cli.description"), parents=[common])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    wrapped = _Subparsers(sub, common)
    for module in load_commands():
        module.register(wrapped)
    parser.commands = tuple(wrapped.names)
    return parser


def dispatch(args: argparse.Namespace) -> int:
    """Run one parsed command through the one error handler; returns its exit status.

    ``main`` calls it once; ``shell`` calls it for every line typed at its prompt.
    """
    verbose = getattr(args, "verbose", False)
    try:
        result: int = args.func(args) or 0
        return result
    except BisikError as exc:
        if verbose:  # the traceback may quote reporter text too: through the terminal filter
            err(traceback.format_exc().rstrip("\n"))
        err(f"error: {exc}")  # a message may quote reporter text (a field name)
        err(f"hint: {exc.hint}")
        return 1
    except KeyboardInterrupt:
        err(f"error: {t('cli.interrupted')}")
        return 130
    except BrokenPipeError:  # `bisik-reviewer list | head`: the reader left; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``bisik-reviewer``; returns the process exit status."""
    return dispatch(build_parser().parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
