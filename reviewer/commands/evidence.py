"""``evidence CASE --out DIR [--original] [--shared-only]``: evidence with metadata removed."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from crypto.fsutil import write_atomic

from ..evidence import export_evidence, mat2_extensions
from ..i18n import t
from ..plaintext import decrypted_evidence
from ..session import open_session
from . import out


def register(sub: Any) -> None:
    p = sub.add_parser("evidence", help=t("cli.evidence.help"), description=t("cli.evidence.help"))
    p.add_argument("case", metavar="CASE")
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help=t("cli.evidence.out"))
    p.add_argument("--original", action="store_true", help=t("cli.evidence.original"))
    p.add_argument("--shared-only", action="store_true", help=t("cli.evidence.shared_only"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out_dir: Path = args.out
    with open_session(args) as s:
        case = s.store.case(args.case)
        # decrypt in the home's private work dir, never in out_dir: only cleaned files (and
        # originals asked for) may reach the output medium
        work = s.home.private_workdir()
        with decrypted_evidence(
            s.store, s.identity.keys.encryption, case, work, shared_only=args.shared_only
        ) as (facts, missing):
            items = [e for e in facts.evidence if e.path is not None]
            results = export_evidence(items, out_dir, original=args.original)
    out(t("evidence.header", case=facts.case_id, out=str(out_dir)))
    for sha in missing:
        out("  " + t("evidence.missing_blob", sha=sha[:16]))
    if not results and not missing:
        out(t("evidence.no_files"))
    for res in results:
        name = res.output.name if res.output else "—"
        if res.cleaned:
            removed = ", ".join(res.removed) or t("evidence.none_removed")
            out(
                t(
                    "evidence.row_cleaned",
                    index=res.index,
                    format=res.format,
                    output=name,
                    removed=removed,
                )
                + f"  ({res.original_name})"
            )
        else:
            out(
                t("evidence.row_not_cleaned", index=res.index, format=res.format, output=name)
                + f"  ({res.original_name})"
            )
        if res.remaining:
            out(t("evidence.remaining", fields=", ".join(res.remaining)))
        for warning in res.warnings:
            out("     ! " + t(warning))
    report = out_dir / "evidence-report.json"
    entries = [{k: v for k, v in r.to_json().items() if k != "original_name"} for r in results]
    body = json.dumps({"case": facts.case_id, "files": entries}, ensure_ascii=False, indent=2)
    write_atomic(report, body.encode("utf-8"))
    out(t("evidence.coverage", covered=" ".join(sorted(mat2_extensions()))))
    out(t("evidence.content_note"))
    out(t("evidence.report_written", path=str(report)))
    return 0
