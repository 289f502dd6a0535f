"""``lpsk CASE --out DIR [--place KOTA]``: checklist, draft letter and signed timeline for an
LPSK protection application — refused unless the reporter disclosed their identity to this
reviewer and consented to LPSK (``reviewer.escalation.lpsk``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..escalation import lpsk
from ..i18n import t
from ..session import open_session
from . import out


def register(sub: Any) -> None:
    p = sub.add_parser("lpsk", help=t("cli.lpsk.help"), description=t("cli.lpsk.help"))
    p.add_argument("case", metavar="CASE")
    p.add_argument("--out", metavar="DIR", type=Path, required=True, help=t("cli.lpsk.out"))
    p.add_argument("--place", default="", help=t("cli.lpsk.place"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with open_session(args) as s:
        case = s.store.case(args.case)
        made = lpsk.write(case, args.out, org=s.config.org_name or "Bisik", place=args.place)
    out(t("lpsk.written", dir=str(made.directory)))
    return 0
