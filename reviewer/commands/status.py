"""``status CASE STATE [--authority X]``: a signed status change, queued for the outbox."""

from __future__ import annotations

import argparse
from typing import Any

from crypto import records as crecords

from ..actions import set_status
from ..escalation.authorities import status_name
from ..i18n import t
from ..session import open_session
from . import out


def register(sub: Any) -> None:
    p = sub.add_parser("status", help=t("status.help"), description=t("status.help"))
    p.add_argument("case", metavar="CASE")
    p.add_argument(
        "state", choices=crecords.STATES, metavar="STATE", help=" | ".join(crecords.STATES)
    )
    p.add_argument("--authority", help=t("status.authority"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    authority = status_name(args.authority) if args.authority else None
    with open_session(args) as s:
        body = set_status(
            s.store, s.identity, s.config, s.directory, args.case, args.state, authority
        )
    out(t("status.done", state=t(f"state.{body['state']}")))
    return 0
