"""The de-identified dossier sent to an authority: an Indonesian official letter (PDF, laid out
by :mod:`.letter`) to the competent official at the right level, its JSON twin for machine
intake (``bisik-dossier/2``), and the cleaned evidence the reporter agreed to share.

The letter states the allegation once (its *Perihal*), the facts before the law, each
provision with whom it binds (only those binding the reported person's role when the reviewer
stated it), what is asked and within which legal window, and no claim that the reporter is
protected: no such general protection exists for an anonymous ASN.

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

import contextlib
import datetime as dt
import hashlib
import json
import secrets
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crypto.fsutil import atomic_open, write_atomic
from crypto.report_schema import CONSENT_OTHER
from reviewer import evidence as ev

from ..case import Case, parse_incident
from ..errors import ConsentError, EvidenceError, RedactionError
from ..i18n import has
from ..i18n import indonesian as t
from . import letter, redact, regulations, tanggal
from .authorities import OTHER_PREFIX, Authority, code_of, consented

FORMAT = "bisik-dossier/2"
# Report fields (crypto.report_schema) the dossier shows in its own places, not as free text.
_SHOWN_ELSEWHERE = {"category", "province", "incident_month", "election", "election_year"}
# Never copied, whatever a document holds: names that would be about the reporter, not the
# case (no Bisik form asks for them; a hand-made document might), and non-report data.
_NEVER = _SHOWN_ELSEWHERE | {"contact", "email", "phone", "consent", "recipients", "reply_key"}


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


def dossier_texts(case: Case) -> dict[str, str]:
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


def _retaliation_label(case: Case, key: str) -> str:
    ret = case.retaliations[int(key.split("_")[1]) - 1]
    kind = ret.get("retaliation_kind", "other")
    kind_text = t(f"retaliation.{kind}") if has(f"retaliation.{kind}") else t("retaliation.other")
    return t(
        "dossier.field.retaliation",
        kind=kind_text,
        month=ret.get("retaliation_month") or t("dossier.unknown"),
    )


def _category_label(code: str) -> str:
    return t(f"category.{code}") if has(f"category.{code}") else t("category.other")


def _same_authority(name: str | None, authority: Authority) -> bool:
    if not name:
        return False
    return code_of(name) == authority.code or name.strip().lower() == authority.name.lower()


def require_consent(case: Case, body: Authority) -> None:
    """ConsentError unless the consent in force covers ``body``; when the reporter withdrew it
    after a dossier was already sent there (crypto/SPEC.md §14.3), the error says so, with
    both days, so the reviewer knows the earlier dossier is out and nothing more may follow."""
    if consented(body, case.consent_authorities):
        return
    for w in case.consent_withdrawals:
        other = w.authority == CONSENT_OTHER and body.code.startswith(OTHER_PREFIX)
        if w.authority == body.code or other:
            raise ConsentError(
                "err.consent_withdrawn_after_sending",
                authority=body.name,
                day=w.event.day.isoformat(),
                sent=w.escalated.isoformat(),
            )
    raise ConsentError(f"the reporter did not consent to sharing with {body.name}")


@dataclass(frozen=True)
class Addressee:
    """Where the letter goes: the authority, the level and the official's title at it."""

    authority: Authority
    level: str
    official: str


def addressee(
    case: Case, authority: Authority, level: str | None = None, place: str | None = None
) -> Addressee:
    """The official a dossier to ``authority`` is addressed to at ``level`` (its default
    level when None). ``place`` (a region or office) defaults to the case's regency for a
    regency/city level, its province for a provincial one, its agency name for ``instansi``;
    AuthorityError when the level needs a place and none is known."""
    chosen = level or authority.default_level
    if place is None:
        regency = str(case.fields.get("regency", "")).strip()
        agency = str(case.fields.get("agency_name", "")).strip()
        place = {
            "kabupaten_kota": regency,
            "provinsi": case.region,
            "perwakilan_provinsi": case.region,
            "instansi": agency,
        }.get(chosen, "")
    return Addressee(authority, chosen, authority.official(chosen, place or ""))


def _timeline(case: Case, authority: Authority, today: dt.date) -> list[dict[str, str]]:
    """Rows of (date, date in words, event): the incident and retaliations to the precision the
    reporter gave, receipt and status changes to the month only, the dossier to the day."""
    rows: list[tuple[dt.date, str, str]] = []
    if case.incident_date:
        given = case.incident_label or case.incident_date.isoformat()
        rows.append((case.incident_date, given, t("dossier.tl_incident")))
    for ret in case.retaliations:
        day = parse_incident(ret.get("retaliation_month"))
        if day is not None:
            kind = ret.get("retaliation_kind", "other")
            rows.append(
                (
                    day,
                    str(ret.get("retaliation_month")),
                    t(
                        "dossier.tl_retaliation",
                        kind=t(f"retaliation.{kind}")
                        if has(f"retaliation.{kind}")
                        else t("retaliation.other"),
                    ),
                )
            )
    rows.append((case.received_day, case.received_day.isoformat()[:7], t("dossier.state.received")))
    for ev_ in case.status_history:
        if ev_.state == "received":
            continue
        if ev_.state == "escalated" and not _same_authority(ev_.authority, authority):
            continue  # another authority's escalation is none of this one's business
        rows.append(
            (
                ev_.day,
                ev_.day.isoformat()[:7],
                t(f"dossier.state.{ev_.state}", authority=ev_.authority or ""),
            )
        )
    rows.append((today, today.isoformat(), t("dossier.tl_dossier", authority=authority.formal)))
    rows.sort(key=lambda r: r[0])
    return [
        {"date": given, "date_text": tanggal.as_given(given), "event": event}
        for _, given, event in rows
    ]


def new_reference(today: dt.date) -> str:
    """A fresh dossier reference ("BSK-2024-7F3A9C2E"): random, so it cannot be matched to the
    server's case id by anyone who later gets hold of the server."""
    return f"BSK-{today.year}-{secrets.token_hex(4).upper()}"


def _election_text(case: Case) -> str:
    kind = regulations.election_kind(case.election)
    if kind is None:
        return ""
    year = next((w for w in case.election.split() if w.isdigit() and len(w) == 4), "")
    return " ".join(x for x in (t(f"dossier.election.{kind}"), year) if x)


def _rule_json(rule: regulations.Rule) -> dict[str, Any]:
    return {
        "key": rule.key,
        "law": rule.law,
        "article": rule.article,
        "text": rule.text,
        "binds": [t(f"role.{s}") for s in rule.subject],
        "binds_codes": list(rule.subject),
        "sanction": {
            "kind": rule.sanction.kind,
            "level": rule.sanction.level,
            "article": rule.sanction.article,
        },
        "window": rule.window,
        "source": rule.source,
        "verified": rule.verified,
    }


def build(
    case: Case,
    to: Addressee,
    accepted: Sequence[redact.Candidate],
    attachments: Sequence[ev.ExportedFile],
    today: dt.date,
    reference: str,
    sender: dict[str, str],
    cc: Sequence[Addressee] = (),
) -> dict[str, Any]:
    """The dossier letter as a JSON-ready dict (texts already redacted with ``accepted``):
    sender, number, subject, addressee, facts, then the provisions allegedly breached by the
    reported person's role, the request and its legal window, notes and copies."""
    authority = to.authority
    texts = {
        k: redact.apply(v, [c for c in accepted if c.field == k])
        for k, v in dossier_texts(case).items()
    }
    facts = [
        {
            "field": k,
            "label": _retaliation_label(case, k) if k.startswith("retaliation_") else _label(k),
            "text": v,
        }
        for k, v in texts.items()
        if not k.startswith("_")
    ]
    rules = regulations.rules_for(case.category, case.incident_date, case.election, case.role)
    windows = list(dict.fromkeys(r.window for r in rules if r.window))
    request_key = f"dossier.request.{authority.code}"
    request = t(request_key if has(request_key) else "dossier.request", official=to.official)
    category = _category_label(case.category)
    incident = case.incident_label or (case.incident_date.isoformat() if case.incident_date else "")
    return {
        "format": FORMAT,
        "reference": reference,
        "number": f"{reference}/{sender['letter_code']}/{tanggal.roman_month(today)}/{today.year}",
        "date": today.isoformat(),
        "date_text": tanggal.day_text(today),
        "sender": {
            "name": sender["org_name"],
            "address": sender["org_address"],
            "contact": sender["org_contact"],
            "city": sender["org_city"],
            "signatory": sender["signatory_name"],
            "title": sender["signatory_title"],
        },
        "authority": {
            "code": authority.code,
            "name": authority.name,
            "formal": authority.formal,
            "level": to.level,
            "official": to.official,
        },
        "subject": t("dossier.perihal_text", category=category.lower()),
        "enclosures": len(attachments),
        "category": {"code": case.category, "label": category},
        "election": _election_text(case),
        "region": texts.get("_region", ""),
        "incident": incident,
        "incident_text": tanggal.as_given(incident),
        "reported_role": {
            "code": case.role,
            "label": t(f"role.{case.role}") if case.role else None,
        },
        "facts": facts,
        "provisions": [_rule_json(r) for r in rules],
        "request": request,
        "windows": windows,
        "evidence": [
            {
                "no": i,
                "format": a.format,
                "sha256": a.sha256,
                "size": a.output.stat().st_size if a.output else 0,
            }
            for i, a in enumerate(attachments, 1)
        ],
        "timeline": _timeline(case, authority, today),
        "redactions": {"count": len(accepted), "by_kind": dict(Counter(c.kind for c in accepted))},
        "notes": [
            t("dossier.note_deid", count=len(accepted)),
            t(
                "dossier.note_consent",
                authority=authority.formal,
                day=tanggal.day_text(case.consent_day),
            ),
            t("dossier.note_identity"),
        ],
        "copies": [c.official for c in cc] + [t("dossier.arsip")],
        # which consent this dossier relied on: the report's, or the latest change (SPEC §14)
        "consent": {"authority": authority.code, "since": case.consent_day.isoformat()},
    }


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


def _attach(case: Case, work: Path) -> tuple[list[ev.ExportedFile], list[int]]:
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


@dataclass
class Draft:
    """A dossier made but not yet written: the letter as a dict and as PDF bytes, and the
    cleaned attachments in a private work directory. Held in memory (and, for attachments,
    on the laptop's private disk) only inside :func:`drafted`; :meth:`publish` writes it."""

    dossier: dict[str, Any]
    pdf: bytes
    json_bytes: bytes
    kept: list[ev.ExportedFile]
    skipped: list[int]
    redacted: int

    def publish(self, out_dir: Path) -> DossierResult:
        """Write ``dossier.json``, ``dossier.pdf`` and ``lampiran/`` into ``out_dir`` (each
        file complete or not at all); call it at most once, inside :func:`drafted`."""
        out_dir = Path(out_dir)
        out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        attachments = _publish(self.kept, out_dir / "lampiran")
        json_path, pdf_path = out_dir / "dossier.json", out_dir / "dossier.pdf"
        write_atomic(json_path, self.json_bytes)
        write_atomic(pdf_path, self.pdf)
        return DossierResult(
            json_path,
            pdf_path,
            attachments,
            sorted(self.skipped),
            self.redacted,
            hashlib.sha256(self.json_bytes).hexdigest(),
            self.dossier["reference"],
        )


@contextlib.contextmanager
def drafted(
    case: Case,
    authority: Authority,
    decisions: redact.Decisions,
    workdir: Path,
    *,
    sender: dict[str, str],
    level: str | None = None,
    place: str | None = None,
    cc: Sequence[Authority] = (),
    ask: redact.Ask | None = None,
    today: dt.date | None = None,
    reference: str | None = None,
) -> Iterator[Draft]:
    """Check consent, settle redactions, clean the shared attachments in ``workdir`` (a
    private directory on the laptop) and build the letter, then hand out the
    :class:`Draft` — to preview, and to :meth:`Draft.publish` if the reviewer approves. The
    cleaned attachments are removed from ``workdir`` when the block ends. Same refusals as
    :func:`write` (ConsentError, RedactionError) before anything is drafted."""
    for body in (authority, *cc):
        require_consent(case, body)
    to = addressee(case, authority, level, place)
    copies = [addressee(case, body) for body in cc]
    today = today or dt.date.today()
    reference = reference or new_reference(today)
    accepted = redact.decide(dossier_texts(case), decisions, ask)
    Path(workdir).mkdir(mode=0o700, parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".bisik-dossier-", dir=workdir))
    try:
        kept, skipped = _attach(case, work)
        dossier = build(case, to, accepted, kept, today, reference, sender, copies)
        # The sender block is the organisation's own public contact (config), not the
        # reporter's text: its e-mail or phone must not count as a leak.
        checked = {k: v for k, v in dossier.items() if k != "sender"}
        if redact.leaks(all_text(checked), accepted, decisions):
            raise RedactionError("an identifying detail survived redaction")
        data = json.dumps(dossier, ensure_ascii=False, indent=2, sort_keys=True).encode()
        yield Draft(dossier, letter.render_pdf(dossier), data, kept, skipped, len(accepted))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def write(
    case: Case,
    authority: Authority,
    decisions: redact.Decisions,
    out_dir: Path,
    *,
    sender: dict[str, str],
    level: str | None = None,
    place: str | None = None,
    cc: Sequence[Authority] = (),
    ask: redact.Ask | None = None,
    today: dt.date | None = None,
    reference: str | None = None,
    workdir: Path | None = None,
) -> DossierResult:
    """Check consent, settle redactions, clean attachments, and write ``dossier.json`` and
    ``dossier.pdf`` (plus ``lampiran/``) into ``out_dir``. ``sender`` is the organisation's
    letterhead (:meth:`reviewer.home.Config.letterhead`); the letter goes to the official of
    ``authority`` at ``level`` for ``place`` (:func:`addressee`), with copies to ``cc`` (each
    needs the reporter's consent too). ``reference`` names the dossier for the authority (a
    new random one if None; pass the old one to reissue). Attachments are cleaned in
    ``workdir`` (a private directory on the laptop; default ``out_dir``) and only the cleaned
    copies are written to ``out_dir`` (:func:`drafted`, then :meth:`Draft.publish`)."""
    out_dir = Path(out_dir)
    with drafted(
        case,
        authority,
        decisions,
        workdir or out_dir,
        sender=sender,
        level=level,
        place=place,
        cc=cc,
        ask=ask,
        today=today,
        reference=reference,
    ) as draft:
        return draft.publish(out_dir)
