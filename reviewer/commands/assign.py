"""``assign CASE REVIEWER``: who handles the case (``-`` to unassign)."""

from __future__ import annotations

import argparse
from typing import Any

from ..actions import assign
from ..i18n import t
from ..session import open_session
from . import out


def register(sub: Any) -> None:
    p = sub.add_parser("assign", help=t("assign.help"), description=t("assign.help"))
    p.add_argument("case", metavar="CASE")
    p.add_argument("reviewer", metavar="REVIEWER")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with open_session(args) as s:
        assign(s.store, s.config, s.directory, args.case, args.reviewer)
    out(t("assign.done", reviewer=args.reviewer))
    return 0
