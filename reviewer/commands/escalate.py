"""``escalate CASE --to AUTH | --to-other NAME --out DIR``: a de-identified dossier."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from .. import vocabulary as vocab
from ..escalation import authorities, redact, regulations, workflow
from ..i18n import has, language, t
from ..session import open_session
from ..ui.terminal import one_line, prompt
from . import out


def register(sub: Any) -> None:
    names = ", ".join(a.name for a in authorities.known())
    p = sub.add_parser("escalate", help=t("cli.escalate.help"), description=t("cli.escalate.help"))
    p.add_argument("case", metavar="CASE", nargs="?")
    target = p.add_mutually_exclusive_group()
    target.add_argument("--to", metavar="AUTH", help=t("cli.escalate.to", choices=names))
    target.add_argument("--to-other", metavar="NAME", help=t("cli.escalate.to_other"))
    p.add_argument("--out", type=Path, metavar="DIR", help=t("cli.evidence.out"))
    p.add_argument("--level", metavar="LEVEL", help=t("cli.escalate.level"))
    p.add_argument("--place", metavar="PLACE", help=t("cli.escalate.place"))
    p.add_argument("--cc", action="append", default=[], metavar="AUTH", help=t("cli.escalate.cc"))
    p.add_argument(
        "--mark-name", action="append", default=[], metavar="NAME", help=t("cli.escalate.mark_name")
    )
    p.add_argument("--redactions", type=Path, metavar="FILE", help=t("cli.escalate.redactions"))
    p.add_argument(
        "--accept-all-redactions", action="store_true", help=t("cli.escalate.accept_all")
    )
    p.add_argument("--list-authorities", action="store_true", help=t("cli.escalate.list"))
    p.add_argument("--list-rules", action="store_true", help=t("cli.escalate.list_rules"))
    p.set_defaults(func=run)


def _ask(cand: redact.Candidate, context: str) -> bool:
    """One redaction question on the terminal. The field name and the context are the
    reporter's text: kept on one line and stripped of control sequences (:mod:`..ui.terminal`)."""
    kind = t(f"redact.kind.{cand.kind}")
    name = cand.field.lstrip("_")
    field = t(f"field.{name}") if name in vocab.REPORT_FIELDS else one_line(repr(name))
    answer = prompt(t("redact.prompt", kind=kind, field=field, context=one_line(context)))
    return answer.strip().lower() not in ("n", "no", "t", "tidak")


def _decisions(args: argparse.Namespace) -> redact.Decisions:
    decisions = (
        redact.Decisions.from_file(args.redactions) if args.redactions else redact.Decisions()
    )
    decisions.names = [*decisions.names, *args.mark_name]
    decisions.redact |= {redact.normalise("name", n) for n in args.mark_name}
    decisions.accept_all = args.accept_all_redactions
    return decisions


def _label(prefix: str, code: str) -> str:
    return t(f"{prefix}.{code}") if has(f"{prefix}.{code}") else code


def list_rules() -> None:
    """Print every category's rules, then every rule with whom it binds, its sanction, the
    competent authorities, window, source and whether a lawyer verified it."""
    table = regulations.catalogue()
    out(t("rules.header", count=len(table)))
    for cat in regulations.CATEGORIES:
        keys = regulations.category_keys(cat)
        out(t("rules.category", label=_label("category", cat), code=cat, keys=", ".join(keys)))
    for rule in table.values():
        out("")
        out(t("rules.entry", code=rule.key, law=rule.law, article=rule.article, kind=rule.kind))
        out(t("rules.subject", subjects="; ".join(_label("role", s) for s in rule.subject)))
        out(
            t(
                "rules.sanction",
                kind=rule.sanction.kind,
                level=rule.sanction.level,
                article=rule.sanction.article,
            )
        )
        names = [f"{authorities.get(c).name} ({lvl})" for c, lvl in rule.competent()]
        out(t("rules.authority", authorities=", ".join(names)))
        if rule.window:
            out(t("rules.window", window=rule.window))
        out(t("rules.source", source=rule.source))
        out(t("rules.verified", who=rule.verified_by) if rule.verified else t("rules.unverified"))
    out("")
    out(t("rules.summary", unverified=len(regulations.unverified()), count=len(table)))


def run(args: argparse.Namespace) -> int:
    if args.list_rules:
        list_rules()
        return 0
    if args.list_authorities:
        for a in authorities.known():
            out(f"{a.name:14} {a.formal}\n{'':14} {a.role_en if language() == 'en' else a.role_id}")
        return 0
    if not args.case or not args.out:
        raise authorities.AuthorityError("escalate needs CASE, --to/--to-other and --out")
    authority = authorities.resolve(args.to, args.to_other)
    copies = [authorities.resolve(name) for name in args.cc]
    decisions = _decisions(args)
    ask = _ask if sys.stdin.isatty() and not decisions.accept_all else None
    today = dt.date.today()
    with open_session(args) as s:
        case_id = s.store.resolve(args.case)
        with workflow.draft(
            s,
            case_id,
            authority,
            decisions,
            level=args.level,
            place=args.place,
            cc=copies,
            ask=ask,
            today=today,
        ) as drafted:
            result = drafted.publish(args.out)
        workflow.record(s, case_id, authority, result, today)
    for line in workflow.written_lines(result):
        out(line)
    listed = not authority.code.startswith(authorities.OTHER_PREFIX)  # track takes codes only
    out(t("escalate.recorded", case=case_id, authority=authority.code if listed else "NAMA"))
    return 0
