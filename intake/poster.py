"""``bisik-server poster``: a printable A4 poster and an A6 flyer that tell people how to reach
the intake safely.

One PDF, two pages: page 1 is the A4 poster, page 2 the A6 flyer (print it four to a sheet or
on card). Both carry the onion address as text and as a QR code, the organisation's key
fingerprint (the one the landing page shows), how to get Tor Browser on a computer and on
Android, and the five safety steps. Every word comes from the intake catalogue, in the
language asked for (Indonesian by default). Fonts are DejaVu (Debian's fonts-dejavu-core),
embedded as subsets so the printer needs nothing installed.

The QR code is drawn as vector squares from the ``qrcode`` matrix, so it stays sharp at any
print size. Leaks: nothing about reporters; the poster is meant to be public.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from crypto.fsutil import write_atomic

from . import i18n
from .pdf import PdfError, Writer, draw_qr, register_fonts

STEPS = (
    "poster.step_device",
    "poster.step_safest",
    "poster.step_receipt",
    "poster.step_crop",
    "poster.step_return",
)
GET_TOR = ("poster.tor_desktop", "poster.tor_android", "poster.tor_blocked")
_ONION = re.compile(r"^[a-z2-7]{56}\.onion$")


class PosterError(PdfError):
    """The poster could not be made: a bad onion address, or the fonts are missing."""


@dataclass(frozen=True)
class PosterInfo:
    """What goes on the poster besides catalogue text."""

    onion: str  # the v3 address, e.g. "abcd...xyz.onion"
    fingerprint: str  # the organisation root key fingerprint (crypto.keys.fingerprint)
    lang: str = i18n.DEFAULT


def check_onion(address: str) -> str:
    """The address in canonical form, or PosterError if it is not a valid v3 onion address.

    A typo on a printed poster cannot be corrected later, so the checksum and version byte are
    checked (rend-spec-v3 §6), not only the shape.
    """
    address = address.strip().lower().removeprefix("http://").rstrip("/")
    if _ONION.fullmatch(address):
        raw = base64.b32decode(address[:56].upper())
        pub, checksum, version = raw[:32], raw[32:34], raw[34:]
        expected = hashlib.sha3_256(b".onion checksum" + pub + version).digest()[:2]
        if version == b"\x03" and checksum == expected:
            return address
    raise PosterError(
        "not a valid v3 onion address",
        "Copy it from the tor instance's hostname file (HiddenServiceDir/hostname).",
    )


def _page(canvas: Canvas, info: PosterInfo, page: tuple[float, float], scale: float) -> None:
    t = lambda key, **kw: i18n.translate(info.lang, key, **kw)  # noqa: E731
    canvas.setPageSize(page)
    margin = 14 * mm * scale
    w = Writer(canvas, page, margin, scale)
    w.para(t("poster.title"), 26, font="Sans-Bold", lead=1.15)
    w.para(t("poster.lead"), 13)
    qr_size = page[0] * 0.42
    qr_top = w.y
    draw_qr(canvas, f"http://{info.onion}", page[0] - margin - qr_size, qr_top - qr_size, qr_size)
    full = w.width
    w.width = full - qr_size - 6 * mm * scale  # the text beside the QR code
    w.para(t("poster.address_h"), 14, font="Sans-Bold")
    w.para(t("poster.address_help"), 11)
    w.para(t("poster.fingerprint_h"), 12, font="Sans-Bold")
    w.para(info.fingerprint, 12, font="Mono")
    w.para(t("poster.fingerprint_help"), 9.5)
    w.width = full
    w.y = min(w.y, qr_top - qr_size - 3 * mm * scale)
    w.line(info.onion, "Mono", 20)
    w.para(t("poster.get_tor_h"), 14, font="Sans-Bold")
    for key in GET_TOR:
        w.para(t(key), 10.5, indent=5 * mm * scale, bullet="•", space=0.25)
    w.para(t("poster.steps_h"), 14, font="Sans-Bold")
    for number, key in enumerate(STEPS, start=1):
        w.para(t(key), 10.5, indent=6 * mm * scale, bullet=f"{number}.", space=0.3)
    if w.y < margin / 2:  # a longer translation would be cut off at the bottom edge
        raise PosterError("the text does not fit the page", "Shorten the poster.* catalogue texts.")
    canvas.showPage()


def make_poster(info: PosterInfo, out: Path) -> Path:
    """Write the two-page PDF (A4 poster, A6 flyer) to ``out`` atomically; return ``out``."""
    register_fonts()
    onion = check_onion(info.onion)
    info = PosterInfo(onion, info.fingerprint, info.lang)
    if info.lang not in i18n.LANGUAGES:
        raise PosterError(f"unknown language {info.lang}", "Use --lang id or --lang en.")
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, invariant=1, initialFontName="Sans")
    canvas.setTitle(i18n.translate(info.lang, "poster.title"))
    canvas.setCreator("Bisik")
    for page, scale in _PAGES:
        _page(canvas, info, page, scale)
    canvas.save()
    write_atomic(out, buffer.getvalue())
    return out


# (page size, scale of every font size and gap): the flyer is the poster at 0.52 of the size
_PAGES: Sequence[tuple[tuple[float, float], float]] = ((A4, 1.15), (A6, 0.57))
