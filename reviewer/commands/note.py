"""``note CASE TEXT``: a private note, kept only in this laptop's encrypted store."""

from __future__ import annotations

import argparse
from typing import Any

from ..actions import add_note
from ..i18n import t
from ..session import open_session
from . import out


def register(sub: Any) -> None:
    p = sub.add_parser("note", help=t("note.help"), description=t("note.help"))
    p.add_argument("case", metavar="CASE")
    p.add_argument("text", metavar="TEXT")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with open_session(args) as s:
        add_note(s.store, s.identity, s.config, args.case, args.text)
    out(t("note.done"))
    return 0
