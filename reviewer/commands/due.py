"""``due``: acknowledgements and first feedback that are late or due soon, and cases whose
newest authority tracking step (crypto/SPEC.md §16) is past its stage's deadline."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from ..caseview import consent_label
from ..deadlines import Due, due_list
from ..escalation import chain, legacy
from ..i18n import t
from ..session import open_session
from ..ui.table import render
from . import out, short


def register(sub: Any) -> None:
    p = sub.add_parser("due", help=t("due.help"), description=t("due.help"))
    p.add_argument("--all", action="store_true", help=t("due.all"))
    p.set_defaults(func=run)


def _when(days_left: int) -> str:
    return t("due.late", n=-days_left) if days_left < 0 else t("due.left", n=days_left)


def _what(d: Due) -> str:
    """The obligation; a withdrawal starts with the bodies it concerns (a dossier already went
    there), so a narrow column still shows them."""
    text = t(f"due.{d.kind}")
    return f"{consent_label(d.authorities)}: {text}" if d.authorities else text


def run(args: argparse.Namespace) -> int:
    today = dt.datetime.now(dt.UTC).date()
    with open_session(args) as s:
        if converted := legacy.convert(s.store, s.identity, s.config, s.directory, today):
            out(t("chain.converted", n=converted))
        dues = due_list(s.store.cases, s.config, today, soon_only=not args.all)
        late = chain.overdue_cases(s.store.cases, today)
        cfg = s.config
    rows = [(short(d.case_id), _what(d), d.deadline.isoformat(), _when(d.days_left)) for d in dues]
    rows += [
        (
            short(x.case_id),
            f"{t('due.track')}: {x.step.stage}",
            x.deadline.isoformat(),
            _when(-x.days_late),
        )
        for x in late
    ]
    out(render([t("col.case"), t("col.what"), t("col.due"), t("col.when")], rows))
    out(
        t(
            "due.count",
            late=sum(d.late for d in dues) + len(late),
            total=len(dues) + len(late),
            ack=cfg.ack_days,
            months=cfg.feedback_months,
        )
    )
    return 0
