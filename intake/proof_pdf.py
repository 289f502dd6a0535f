"""The proof of report as a printable A4 PDF, in the reporter's language (Indonesian first).

It shows what the signed proof file says (organisation, case, the day each item arrived and
its envelope's SHA-256), a QR code of the whole proof file when it fits (so a verifier can
scan it from paper), the organisation's key fingerprint, and plain steps to verify it. The
signature is what proves anything: the PDF is a readable copy of the signed data, and says so.

Made in memory and returned as bytes; nothing is written to disk. Leaks: whoever finds the
PDF learns that its holder reported to this organisation, and on which days — the page warns
the reporter to keep it as safely as the receipt.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import qrcode.constants
import qrcode.exceptions
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from crypto import proof as proof_format

from . import i18n
from .pdf import PdfError, Writer, draw_qr, long_date, register_fonts

QR_MAX = 2900  # bytes a version-40 QR code holds at error correction L (binary mode: 2953)


def render(proof_file: bytes, checked: proof_format.Proof, fingerprint: str, lang: str) -> bytes:
    """The PDF of a proof file the caller has just issued and verified (``checked``)."""
    if lang not in i18n.LANGUAGES:
        raise PdfError(f"unknown language {lang}", "Use id or en.")
    register_fonts()

    def t(key: str, **kw: object) -> str:
        return i18n.translate(lang, key, **kw)

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, invariant=1, initialFontName="Sans")
    canvas.setTitle(t("proof.title"))
    canvas.setCreator("Bisik")
    margin = 16 * mm
    w = Writer(canvas, A4, margin, 1.0)
    w.para(t("proof.title"), 20, font="Sans-Bold")
    w.para(t("proof.lead", org=checked.org_name, issued=long_date(lang, checked.issued)), 11)
    w.para(t("proof.case", case=checked.case), 10, font="Mono")
    w.para(t("proof.items_h"), 13, font="Sans-Bold")
    for number, item in enumerate(checked.items, start=1):
        day = long_date(lang, item.day) if item.day else t("proof.day_unknown")
        w.para(
            t("proof.item", kind=t(f"proof.kind_{item.kind}"), day=day),
            10.5,
            indent=7 * mm,
            bullet=f"{number}.",
            space=0.1,
        )
        w.para(item.envelope_sha256, 7.5, font="Mono", indent=7 * mm, space=0.1)
        for sha in item.evidence:
            w.para(t("proof.evidence", sha=sha), 7.5, font="Mono", indent=11 * mm, space=0.1)
        w.y -= 2
        _new_page_if_needed(canvas, w, margin)
    w.para(t("proof.what_h"), 13, font="Sans-Bold")
    w.para(t("proof.what"), 10)
    if checked.consent_changes():
        w.para(t("proof.consent"), 10)
    w.para(t("proof.keep_safe"), 10, font="Sans-Bold")
    _new_page_if_needed(canvas, w, margin, need=95 * mm)
    w.para(t("proof.verify_h"), 13, font="Sans-Bold")
    for number, key in enumerate(("proof.verify_1", "proof.verify_2", "proof.verify_3"), 1):
        w.para(t(key, fingerprint=fingerprint), 10, indent=6 * mm, bullet=f"{number}.", space=0.2)
    _qr_or_note(canvas, w, proof_file, t)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _new_page_if_needed(canvas: Canvas, w: Writer, margin: float, need: float = 30 * mm) -> None:
    if w.y < margin + need:
        canvas.showPage()
        canvas.setFont("Sans", 10)
        w.y = A4[1] - margin


def _qr_or_note(canvas: Canvas, w: Writer, proof_file: bytes, t: Callable[..., str]) -> None:
    size = 70 * mm
    if len(proof_file) <= QR_MAX:
        try:
            draw_qr(
                canvas,
                proof_file.decode("ascii"),
                w.margin,
                w.y - size,
                size,
                correction=qrcode.constants.ERROR_CORRECT_L,
            )
        except qrcode.exceptions.DataOverflowError:
            pass
        else:
            w.y -= size + 4
            w.para(t("proof.qr_help"), 9)
            return
    w.para(t("proof.qr_too_big"), 9)
