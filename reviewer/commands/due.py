"""``due``: acknowledgements and first feedback that are late or due soon."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from ..deadlines import due_list
from ..i18n import t
from ..session import open_session
from ..ui.table import render
from . import out, short


def register(sub: Any) -> None:
    p = sub.add_parser("due", help=t("due.help"), description=t("due.help"))
    p.add_argument("--all", action="store_true", help=t("due.all"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    today = dt.datetime.now(dt.UTC).date()
    with open_session(args) as s:
        dues = due_list(s.store.cases, s.config, today, soon_only=not args.all)
        cfg = s.config
    rows = [(short(d.case_id), t(f"due.{d.kind}"), d.deadline.isoformat(),
             t("due.late", n=-d.days_left) if d.late else t("due.left", n=d.days_left))
            for d in dues]  # fmt: skip
    out(render([t("col.case"), t("col.what"), t("col.due"), t("col.when")], rows))
    out(t("due.count", late=sum(d.late for d in dues), total=len(dues), ack=cfg.ack_days,
          months=cfg.feedback_months))  # fmt: skip
    return 0
