"""The de-identified dossier sent to an authority: JSON for machines, PDF (formal Indonesian)
for people, and the cleaned evidence the reporter agreed to share.

Promises:

- Nothing is written unless the reporter consented to this authority (:class:`ConsentError`).
- Every identifying candidate in the text (see :mod:`.redact`) is settled by the reviewer
  before anything is written; the finished text is checked again and a leftover stops it.
- Only evidence flagged ``share`` is attached, only if mat2 cleaned it; attachments are listed
  by the SHA-256 of the cleaned file (never the envelope hash, which the server knows and
  could tie to a submission time) and by format, never by the reporter's file name.
- The dossier is named by a random reference, never the server's case id. The timeline gives
  the reporter's incident month, the dossier's day, and only the *month* of receipt and of
  each status change: the server knows those days (case rows, signed records), so exact days
  would let a recipient who later seizes the server find the submission and its timing.
  Escalations to *other* authorities are left out (an LPSK request, for instance, would tell
  the recipient the reporter fears for their safety).
- Files appear complete or not at all (temporary file, rename).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import secrets
import shutil
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from crypto.fsutil import atomic_open, write_atomic
from reviewer import evidence as ev

from ..errors import ConsentError, EvidenceError, RedactionError
from ..i18n import has
from ..i18n import indonesian as t
from . import redact, regulations
from .authorities import Authority, code_of, consented
from .case import CaseFacts, parse_incident

FORMAT = "bisik-dossier/1"
# Report fields (crypto.report_schema) the dossier shows in its own places, not as free text.
_SHOWN_ELSEWHERE = {"category", "province", "incident_month", "election", "election_year"}
# Never copied, whatever a document holds: names that would be about the reporter, not the
# case (no Bisik form asks for them; a hand-made document might), and non-report data.
_NEVER = _SHOWN_ELSEWHERE | {"contact", "email", "phone", "consent", "recipients",
                             "reply_key"}  # fmt: skip


@dataclass
class DossierResult:
    """What was written and what the reviewer should know about it."""

    json_path: Path
    pdf_path: Path
    attachments: list[Path] = field(default_factory=list)
    skipped_evidence: list[int] = field(default_factory=list)
    redacted: int = 0
    sha256: str = ""  # of the JSON dossier: the tracking log refers to it
    reference: str = ""  # the dossier's own reference, never the server's case id


def _label(key: str) -> str:
    if has(f"dossier.field.{key}"):
        return t(f"dossier.field.{key}")
    return t("dossier.field.other", name=key)


def dossier_texts(case: CaseFacts) -> dict[str, str]:
    """The free texts that go into a dossier (field → text), before redaction."""
    texts: dict[str, str] = {}
    for key, value in case.fields.items():
        if key.lower() in _NEVER or key.lower().startswith("reporter"):
            continue
        text = ", ".join(value) if isinstance(value, list) else str(value)
        if key == "agency_kind" and has(f"agency.{text}"):
            text = t(f"agency.{text}")  # a form code, shown in words
        if text.strip():
            texts[key] = text
    for key, value in (("region", case.region), ("election", case.election)):
        if value:
            texts[f"_{key}"] = value
    for i, ret in enumerate(case.retaliations, 1):
        if ret.get("text", "").strip():
            texts[f"retaliation_{i}"] = ret["text"]
    return texts


def _retaliation_label(case: CaseFacts, key: str) -> str:
    ret = case.retaliations[int(key.split("_")[1]) - 1]
    kind = ret.get("retaliation_kind", "other")
    kind_text = t(f"retaliation.{kind}") if has(f"retaliation.{kind}") else t("retaliation.other")
    return t("dossier.field.retaliation", kind=kind_text,
             month=ret.get("retaliation_month") or t("dossier.unknown"))


def _category_label(code: str) -> str:
    return t(f"category.{code}") if has(f"category.{code}") else t("category.other")


def _same_authority(name: str | None, authority: Authority) -> bool:
    if not name:
        return False
    return code_of(name) == authority.code or name.strip().lower() == authority.name.lower()


def _timeline(case: CaseFacts, authority: Authority, today: dt.date) -> list[dict[str, str]]:
    """Rows of (date as shown, event); month-precision dates are shown as months."""
    rows: list[tuple[dt.date, str]] = []
    shown: dict[int, str] = {}
    if case.incident_date:
        rows.append((case.incident_date, t("dossier.tl_incident")))
        shown[len(rows) - 1] = case.incident_label or case.incident_date.isoformat()
    for ret in case.retaliations:
        day = parse_incident(ret.get("retaliation_month"))
        if day is not None:
            kind = ret.get("retaliation_kind", "other")
            rows.append((day, t("dossier.tl_retaliation",
                                kind=t(f"retaliation.{kind}") if has(f"retaliation.{kind}")
                                else t("retaliation.other"))))  # fmt: skip
            shown[len(rows) - 1] = str(ret.get("retaliation_month"))
    rows.append((case.received_day, t("dossier.state.received")))
    shown[len(rows) - 1] = case.received_day.isoformat()[:7]
    for ev_ in case.status_history:
        if ev_.state == "received":
            continue
        if ev_.state == "escalated" and not _same_authority(ev_.authority, authority):
            continue  # another authority's escalation is none of this one's business
        rows.append((ev_.day, t(f"dossier.state.{ev_.state}", authority=ev_.authority or "")))
        shown[len(rows) - 1] = ev_.day.isoformat()[:7]
    rows.append((today, t("dossier.tl_dossier", authority=authority.formal)))
    order = sorted(range(len(rows)), key=lambda i: rows[i][0])
    return [{"date": shown.get(i, rows[i][0].isoformat()), "event": rows[i][1]} for i in order]


def new_reference(today: dt.date) -> str:
    """A fresh dossier reference ("BSK-2024-7F3A9C2E"): random, so it cannot be matched to the
    server's case id by anyone who later gets hold of the server."""
    return f"BSK-{today.year}-{secrets.token_hex(4).upper()}"


def build(
    case: CaseFacts, authority: Authority, accepted: Sequence[redact.Candidate],
    attachments: Sequence[ev.ExportedFile], today: dt.date, reference: str,
) -> dict[str, Any]:  # fmt: skip
    """The dossier as a JSON-ready dict (texts already redacted with ``accepted``)."""
    texts = {k: redact.apply(v, [c for c in accepted if c.field == k])
             for k, v in dossier_texts(case).items()}  # fmt: skip
    facts = [{"field": k, "label": _retaliation_label(case, k) if k.startswith("retaliation_")
              else _label(k), "text": v} for k, v in texts.items() if not k.startswith("_")]
    rules = regulations.breached(case.category, case.incident_date, case.election)
    return {
        "format": FORMAT, "reference": reference, "date": today.isoformat(),
        "authority": {"code": authority.code, "name": authority.name, "formal": authority.formal},
        "category": {"code": case.category, "label": _category_label(case.category)},
        "election": texts.get("_election", ""), "region": texts.get("_region", ""),
        "incident": case.incident_label or (case.incident_date.isoformat()
                                            if case.incident_date else None),
        "facts": facts,
        "allegations": [t("dossier.allegation_item", rule=r) for r in rules],
        "evidence": [{"no": i, "format": a.format, "sha256": a.sha256,
                      "size": a.output.stat().st_size if a.output else 0}
                     for i, a in enumerate(attachments, 1)],
        "timeline": _timeline(case, authority, today),
        "redactions": {"count": len(accepted),
                       "by_kind": dict(Counter(c.kind for c in accepted))},
        "notes": [t("dossier.note_deid", count=len(accepted)),
                  t("dossier.note_consent", authority=authority.formal),
                  t("dossier.note_rules"), t("dossier.note_protect"), t("dossier.note_reply")],
    }  # fmt: skip


def all_text(dossier: dict[str, Any]) -> str:
    """Every string in the dossier, one per line: what the leak check reads."""
    out: list[str] = []

    def walk(obj: Any) -> None:
        if isinstance(obj, dict):
            for v in obj.values():
                walk(v)
        elif isinstance(obj, list):
            for v in obj:
                walk(v)
        elif isinstance(obj, str):
            out.append(obj)

    walk(dossier)
    return "\n".join(out)


def render_pdf(dossier: dict[str, Any]) -> bytes:
    """The dossier as an A4 PDF (reportlab). Metadata: title only, no author or creator."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    body, head, small = styles["BodyText"], styles["Heading3"], styles["Code"]
    small.fontSize, small.leading = 6.5, 8

    def p(text: str, style: Any = body) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    auth = dossier["authority"]
    story: list[Any] = [p(t("dossier.title"), styles["Title"]),
        p(f"{t('dossier.to')} {auth['formal']}"),
        p(f"{t('dossier.case')}: {dossier['reference']} — "
          f"{t('dossier.date')}: {dossier['date']}"),
        Spacer(1, 0.3 * cm), p(t("dossier.opening", authority=auth["formal"])),
        p(t("dossier.s_facts"), head)]  # fmt: skip
    story += [p(f"{f['label']}: {f['text']}") for f in dossier["facts"]]
    unknown = t("dossier.unknown")
    story += [p(t("dossier.s_category"), head),
              p(f"{t('dossier.category')}: {dossier['category']['label']}"),
              p(f"{t('dossier.election')}: {dossier['election'] or unknown}"),
              p(f"{t('dossier.region')}: {dossier['region'] or unknown}"),
              p(f"{t('dossier.incident')}: {dossier['incident'] or unknown}"),
              p(t("dossier.allegation_intro"))]  # fmt: skip
    story += [p(f"{i}. {a}") for i, a in enumerate(dossier["allegations"], 1)]
    story.append(p(t("dossier.s_evidence"), head))
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                       ("VALIGN", (0, 0), (-1, -1), "TOP")])  # fmt: skip
    if dossier["evidence"]:
        rows = [[p(t("dossier.ev_no")), p(t("dossier.ev_kind")), p(t("dossier.ev_hash")),
                 p(t("dossier.ev_size"))]]  # fmt: skip
        rows += [[p(str(e["no"])), p(e["format"]), p(e["sha256"], small), p(str(e["size"]))]
                 for e in dossier["evidence"]]  # fmt: skip
        story += [Table(rows, colWidths=[1.2 * cm, 2.5 * cm, 10 * cm, 2.5 * cm], style=grid),
                  p(t("dossier.ev_note"))]  # fmt: skip
    else:
        story.append(p(t("dossier.ev_none")))
    story.append(p(t("dossier.s_timeline"), head))
    rows = [[p(t("dossier.tl_date")), p(t("dossier.tl_event"))]]
    rows += [[p(r["date"]), p(r["event"])] for r in dossier["timeline"]]
    story.append(Table(rows, colWidths=[3 * cm, 13 * cm], style=grid))
    story.append(p(t("dossier.s_notes"), head))
    story += [p(n) for n in dossier["notes"]]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, title=t("dossier.title"), author="", creator="",
                            producer="", subject="", invariant=True)  # fmt: skip
    doc.build(story)
    return buf.getvalue()


def _attach(case: CaseFacts, work: Path) -> tuple[list[ev.ExportedFile], list[int]]:
    """Clean the shared evidence into ``work``; return what mat2 cleaned and what it could not
    (by index in the case's evidence list)."""
    chosen = [(i, e) for i, e in enumerate(case.evidence, 1) if e.share]
    skipped = [i for i, e in chosen if e.path is None]
    kept: list[ev.ExportedFile] = []
    for i, item in chosen:
        if item.path is None:
            continue
        res = ev.export_one(i, item, work)
        if res.cleaned and res.output is not None:
            kept.append(res)
        else:
            skipped.append(i)
    return kept, skipped


def _publish(kept: Sequence[ev.ExportedFile], final: Path) -> list[Path]:
    """Copy the cleaned attachments into ``final`` as ``lampiran-NN.ext`` (each atomically:
    temporary file, fsync, rename; the work directory may be on another file system)."""
    out: list[Path] = []
    for n, res in enumerate(kept, 1):
        if res.output is None:
            continue
        if final.is_symlink():  # a prepared stick could point it anywhere on the laptop
            raise EvidenceError(f"{final} is a symbolic link: refusing to write through it")
        final.mkdir(mode=0o700, exist_ok=True)
        target = final / f"lampiran-{n:02d}{res.output.suffix}"
        with res.output.open("rb") as src, atomic_open(target) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        res.output.unlink()
        out.append(target)
    return out


def write(
    case: CaseFacts, authority: Authority, decisions: redact.Decisions, out_dir: Path, *,
    ask: redact.Ask | None = None, today: dt.date | None = None, reference: str | None = None,
    workdir: Path | None = None,
) -> DossierResult:  # fmt: skip
    """Check consent, settle redactions, clean attachments, and write ``dossier.json`` and
    ``dossier.pdf`` (plus ``lampiran/``) into ``out_dir``. ``reference`` names the dossier
    for the authority (a new random one if None; pass the old one to reissue). Attachments are
    cleaned in ``workdir`` (a private directory on the laptop; default ``out_dir``) and only the
    cleaned copies are written to ``out_dir``."""
    if not consented(authority, case.consent_authorities):
        raise ConsentError(f"the reporter did not consent to sharing with {authority.name}")
    today = today or dt.date.today()
    reference = reference or new_reference(today)
    accepted = redact.decide(dossier_texts(case), decisions, ask)
    out_dir = Path(out_dir)
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".bisik-dossier-", dir=workdir or out_dir))
    try:
        kept, skipped = _attach(case, work)
        dossier = build(case, authority, accepted, kept, today, reference)
        if redact.leaks(all_text(dossier), accepted, decisions):
            raise RedactionError("an identifying detail survived redaction")
        data = json.dumps(dossier, ensure_ascii=False, indent=2, sort_keys=True).encode()
        pdf = render_pdf(dossier)
        attachments = _publish(kept, out_dir / "lampiran")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    json_path, pdf_path = out_dir / "dossier.json", out_dir / "dossier.pdf"
    write_atomic(json_path, data)
    write_atomic(pdf_path, pdf)
    return DossierResult(json_path, pdf_path, attachments, sorted(skipped), len(accepted),
                         hashlib.sha256(data).hexdigest(), reference)  # fmt: skip
