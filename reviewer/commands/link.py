"""``link NEW OLD [--share] [--unlink]``: link a new report's case to an old case (SPEC §15)."""

from __future__ import annotations

import argparse
from typing import Any

from ..i18n import t
from ..linking import link
from ..session import open_session
from . import out


def register(sub: Any) -> None:
    p = sub.add_parser("link", help=t("link.help"), description=t("link.help"))
    p.add_argument("new", metavar="NEW")
    p.add_argument("old", metavar="OLD")
    p.add_argument("--share", action="store_true", help=t("link.share"))
    p.add_argument("--unlink", action="store_true", help=t("link.unlink"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with open_session(args) as s:
        new, old = s.store.resolve(args.new), s.store.resolve(args.old)
        body = link(
            s.store,
            s.identity,
            s.config,
            s.directory,
            new,
            old,
            share=args.share,
            unlink=args.unlink,
        )
    key = "link.undone" if not body["linked"] else "link.shared" if body["share"] else "link.done"
    out(t(key, new=body["case"], old=body["other"]))
    return 0
