"""``reply CASE``: write to the reporter (text from --message, --file or stdin)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..actions import reply
from ..errors import UsageError
from ..i18n import t
from ..session import held, open_session
from ..ui.terminal import err
from . import out


def register(sub: Any) -> None:
    p = sub.add_parser("reply", help=t("reply.help"), description=t("reply.help"))
    p.add_argument("case", metavar="CASE")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--message", "-m", help=t("reply.message"))
    src.add_argument("--file", type=Path, help=t("reply.file"))
    p.set_defaults(func=run)


def _text(args: argparse.Namespace) -> str:
    if args.message is not None:
        return str(args.message)
    if args.file is not None:
        try:
            return args.file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError("err.read_file", path=str(args.file)) from exc
    if sys.stdin.isatty():
        err(t("reply.stdin"))
    elif held() is not None:  # a scripted shell: stdin holds the next commands, not the text
        raise UsageError("err.shell_reply_stdin")
    return sys.stdin.read()


def run(args: argparse.Namespace) -> int:
    text = _text(args)  # read before the passphrase prompt so stdin is not mixed up
    with open_session(args) as s:
        reply(s.store, s.identity, s.config, s.directory, args.case, text)
    out(t("reply.done"))
    return 0
