"""``outbox --out FILE``: the return bundle of queued statuses and replies for the server."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .. import outbox
from ..i18n import t
from ..session import open_session
from . import out


def register(sub: Any) -> None:
    p = sub.add_parser("outbox", help=t("outbox.help"), description=t("outbox.help"))
    p.add_argument("--out", type=Path, required=True, metavar="FILE")
    p.add_argument("--resend", action="store_true", help=t("outbox.resend"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with open_session(args) as s:
        summary = outbox.write(s.store, s.identity, s.directory, args.out, resend=args.resend)
    out(summary.done_text())
    return 0
