"""The dossier laid out as an Indonesian official letter (A4 PDF, reportlab).

Order: letterhead (sender and contact), place and date, *Nomor*, *Lampiran*, *Perihal*,
*Yth.* the official, salutation, opening, A. facts (with the timeline), B. provisions allegedly
breached and whom each binds, C. evidence, D. request and legal window, E. notes, closing,
signature, *Tembusan*. Every date is in words ("5 Desember 2026").

Every glyph is drawn with DejaVu Sans (Debian ``fonts-dejavu-core``), embedded as a TrueType
subset, so ``pdftotext`` reads the words back exactly and ``pdffonts`` lists no font that is not
embedded (the built-in Helvetica is never used). Metadata: the title only; no author, creator
or producer. Leaks: what the dossier dict holds, nothing else.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from ..errors import UsageError
from ..i18n import indonesian as t

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# A table's cells default to Helvetica even when they hold only paragraphs: name ours.
_FONT = ("FONTNAME", (0, 0), (-1, -1), "BisikSans")
_FONTS = {"BisikSans": "DejaVuSans.ttf", "BisikSans-Bold": "DejaVuSans-Bold.ttf"}


def _register() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, file in _FONTS.items():
        if name in pdfmetrics.getRegisteredFontNames():
            continue
        path = FONT_DIR / file
        if not path.exists():
            raise UsageError("err.font_missing", path=str(path))
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(
        "BisikSans",
        normal="BisikSans",
        bold="BisikSans-Bold",
        italic="BisikSans",
        boldItalic="BisikSans-Bold",
    )


def _styles() -> dict[str, Any]:
    from reportlab.lib.enums import TA_JUSTIFY, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle(
        "body", fontName="BisikSans", fontSize=10, leading=14, alignment=TA_JUSTIFY, spaceAfter=4
    )
    return {
        "body": body,
        "head": ParagraphStyle("head", parent=body, fontName="BisikSans-Bold", spaceBefore=8),
        "org": ParagraphStyle(
            "org", parent=body, fontName="BisikSans-Bold", fontSize=13, leading=16
        ),
        "small": ParagraphStyle("small", parent=body, fontSize=7, leading=9),
        "right": ParagraphStyle("right", parent=body, alignment=TA_RIGHT),
    }


def _p(text: str, style: Any) -> Any:
    from reportlab.platypus import Paragraph

    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _header(d: dict[str, Any], st: dict[str, Any]) -> list[Any]:
    from reportlab.lib import colors
    from reportlab.lib.units import cm
    from reportlab.platypus import HRFlowable, Spacer, Table

    s, a = d["sender"], d["authority"]
    lampiran = (
        t("dossier.lampiran_count", count=d["enclosures"])
        if d["enclosures"]
        else t("dossier.lampiran_none")
    )
    meta = [
        [_p(t("dossier.number"), st["body"]), _p(f": {d['number']}", st["body"])],
        [_p(t("dossier.lampiran"), st["body"]), _p(f": {lampiran}", st["body"])],
        [_p(t("dossier.perihal"), st["body"]), _p(f": {d['subject']}", st["head"])],
    ]
    return [
        _p(s["name"], st["org"]),
        _p(s["address"], st["body"]),
        _p(s["contact"], st["body"]),
        HRFlowable(width="100%", thickness=1.2, color=colors.black),
        _p(t("dossier.place_date", city=s["city"], date=d["date_text"]), st["right"]),
        Table(meta, colWidths=[2.6 * cm, 13.4 * cm], style=[_FONT]),
        Spacer(1, 0.3 * cm),
        _p(f"{t('dossier.yth')} {a['official']}", st["body"]),
        _p(t("dossier.di_tempat"), st["body"]),
        Spacer(1, 0.3 * cm),
        _p(t("dossier.salutation"), st["body"]),
        _p(t("dossier.opening", org=s["name"], official=a["official"]), st["body"]),
    ]


def _facts(d: dict[str, Any], st: dict[str, Any]) -> list[Any]:
    from reportlab.lib.units import cm
    from reportlab.platypus import Table

    unknown = t("dossier.unknown")
    role = d["reported_role"]["label"] or t("dossier.role_unknown")
    out = [
        _p(t("dossier.s_facts"), st["head"]),
        _p(f"{t('dossier.election')}: {d['election'] or unknown}", st["body"]),
        _p(f"{t('dossier.region')}: {d['region'] or unknown}", st["body"]),
        _p(f"{t('dossier.incident')}: {d['incident_text'] or unknown}", st["body"]),
        _p(f"{t('dossier.role')}: {role}", st["body"]),
    ]
    out += [_p(f"{f['label']}: {f['text']}", st["body"]) for f in d["facts"]]
    rows = [[_p(t("dossier.tl_date"), st["head"]), _p(t("dossier.tl_event"), st["head"])]]
    rows += [[_p(r["date_text"], st["body"]), _p(r["event"], st["body"])] for r in d["timeline"]]
    out += [
        _p(t("dossier.s_timeline"), st["head"]),
        Table(rows, colWidths=[4 * cm, 12 * cm], style=_grid()),
    ]
    return out


def _grid() -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import TableStyle

    return TableStyle(
        [("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"), _FONT]
    )


def _law(d: dict[str, Any], st: dict[str, Any]) -> list[Any]:
    official = d["authority"]["official"]
    role = d["reported_role"]["label"]
    intro = (
        t("dossier.law_intro_role", role=role, official=official)
        if role
        else t("dossier.law_intro_any", official=official)
    )
    out = [_p(t("dossier.s_law"), st["head"]), _p(intro, st["body"])]
    for i, rule in enumerate(d["provisions"], 1):
        sanction = rule["sanction"]
        cost = (
            t("dossier.law_sanction", level=sanction["level"], article=sanction["article"])
            if sanction["article"]
            else t("dossier.law_sanction_plain", level=sanction["level"])
        )
        binds = t("dossier.law_binds", subjects="; ".join(rule["binds"]))
        out.append(_p(f"{i}. {rule['text']}. {binds} {cost}", st["body"]))
    if not d["provisions"]:
        out.append(_p(t("dossier.law_none", official=official), st["body"]))
    out.append(_p(t("dossier.law_note"), st["body"]))
    return out


def _evidence(d: dict[str, Any], st: dict[str, Any]) -> list[Any]:
    from reportlab.lib.units import cm
    from reportlab.platypus import Table

    out = [_p(t("dossier.s_evidence"), st["head"])]
    if not d["evidence"]:
        return [*out, _p(t("dossier.ev_none"), st["body"])]
    rows = [
        [
            _p(t(k), st["head"])
            for k in ("dossier.ev_no", "dossier.ev_kind", "dossier.ev_hash", "dossier.ev_size")
        ]
    ]
    rows += [
        [
            _p(str(e["no"]), st["body"]),
            _p(e["format"], st["body"]),
            _p(e["sha256"], st["small"]),
            _p(str(e["size"]), st["body"]),
        ]
        for e in d["evidence"]
    ]
    return [
        *out,
        Table(rows, colWidths=[1.2 * cm, 2.5 * cm, 9.8 * cm, 2.5 * cm], style=_grid()),
        _p(t("dossier.ev_note"), st["body"]),
    ]


def _closing(d: dict[str, Any], st: dict[str, Any]) -> list[Any]:
    from reportlab.lib.units import cm
    from reportlab.platypus import Spacer

    official, s = d["authority"]["official"], d["sender"]
    out = [_p(t("dossier.s_request"), st["head"]), _p(d["request"], st["body"])]
    if d["windows"]:
        out.append(_p(t("dossier.windows", windows="; ".join(d["windows"])), st["body"]))
    out += [
        _p(t("dossier.s_notes"), st["head"]),
        *(_p(n, st["body"]) for n in d["notes"]),
        Spacer(1, 0.3 * cm),
        _p(t("dossier.closing", official=official), st["body"]),
        Spacer(1, 0.3 * cm),
        _p(t("dossier.regards"), st["body"]),
        _p(s["name"], st["body"]),
        Spacer(1, 1.5 * cm),
        _p(s["signatory"], st["head"]),
        _p(s["title"], st["body"]),
        Spacer(1, 0.4 * cm),
        _p(t("dossier.tembusan"), st["body"]),
    ]
    out += [_p(f"{i}. {c}", st["body"]) for i, c in enumerate(d["copies"], 1)]
    return out


def render_pdf(dossier: dict[str, Any]) -> bytes:
    """The dossier as an A4 letter with embedded TrueType fonts; UsageError if the font files
    are missing (install ``fonts-dejavu-core``)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.platypus import SimpleDocTemplate

    _register()
    st = _styles()
    story = [
        *_header(dossier, st),
        *_facts(dossier, st),
        *_law(dossier, st),
        *_evidence(dossier, st),
        *_closing(dossier, st),
    ]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        title=dossier["subject"],
        author="",
        creator="",
        producer="",
        subject="",
        invariant=True,
        leftMargin=2.5 * cm,
        initialFontName="BisikSans",
        rightMargin=2.5 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
    )
    doc.build(story)
    return buf.getvalue()
