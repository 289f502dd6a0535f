"""``set CASE --category C --severity S --role R``: local triage fields."""

from __future__ import annotations

import argparse
from typing import Any

from ..actions import set_fields
from ..case import SEVERITIES
from ..i18n import t
from ..session import open_session
from ..vocabulary import CATEGORIES, ROLES
from . import out


def register(sub: Any) -> None:
    p = sub.add_parser("set", help=t("set.help"), description=t("set.help"))
    p.add_argument("case", metavar="CASE")
    p.add_argument(
        "--category", metavar="CATEGORY", help=t("set.category", choices=", ".join(CATEGORIES))
    )
    p.add_argument("--severity", choices=SEVERITIES, help=t("set.severity"))
    p.add_argument("--role", metavar="ROLE", help=t("set.role", choices=", ".join(ROLES)))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with open_session(args) as s:
        set_fields(
            s.store,
            s.config,
            args.case,
            category=args.category,
            severity=args.severity,
            role=args.role,
        )
    out(t("set.done"))
    return 0
