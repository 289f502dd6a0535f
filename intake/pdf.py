"""What every printable PDF the intake makes shares: embedded fonts, vector QR codes, a simple
top-down text flow, and dates written out in the reader's language.

Fonts are DejaVu (Debian's ``fonts-dejavu-core``), embedded as subsets so a printer or a PDF
reader needs nothing installed and ``pdftotext`` reads the text back exactly. QR codes are drawn
as vector squares from the ``qrcode`` matrix, so they stay sharp at any print size.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from xml.sax.saxutils import escape

import qrcode
import qrcode.constants
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from . import i18n
from .errors import ConfigError

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = {"Sans": "DejaVuSans.ttf", "Sans-Bold": "DejaVuSans-Bold.ttf", "Mono": "DejaVuSansMono.ttf"}


class PdfError(ConfigError):
    """A PDF could not be made: fonts missing, or the text does not fit the page."""


def register_fonts() -> None:
    """Register the embedded fonts once per process (PdfError names the Debian package)."""
    for name, file in FONTS.items():
        if name in pdfmetrics.getRegisteredFontNames():
            continue
        path = FONT_DIR / file
        if not path.exists():
            raise PdfError(f"missing font {path}", "apt-get install fonts-dejavu-core")
        pdfmetrics.registerFont(TTFont(name, str(path)))


def draw_qr(
    canvas: Canvas, data: str, x: float, y: float, size: float, *, correction: int | None = None
) -> None:
    """A QR code of ``data`` as a ``size`` square with its lower-left corner at x, y.

    Error correction M unless ``correction`` (a ``qrcode.constants`` level) is given.
    """
    level = qrcode.constants.ERROR_CORRECT_M if correction is None else correction
    code = qrcode.QRCode(error_correction=level, border=4)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()  # includes the quiet zone
    cell = size / len(matrix)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    for row, line in enumerate(matrix):
        for col, dark in enumerate(line):
            if dark:  # tiny overlap so no hairline gaps appear between cells when printed
                top = y + size - (row + 1) * cell
                canvas.rect(x + col * cell, top, cell * 1.02, cell * 1.02, stroke=0, fill=1)


def long_date(lang: str, day: dt.date) -> str:
    """``4 Desember 2026`` / ``4 December 2026``: month names from the catalogue."""
    return f"{day.day} {i18n.translate(lang, f'month.{day.month}')} {day.year}"


class Writer:
    """Flows paragraphs down a page from the top margin."""

    def __init__(self, canvas: Canvas, page: tuple[float, float], margin: float, scale: float):
        self.canvas, self.margin, self.scale = canvas, margin, scale
        self.width = page[0] - 2 * margin
        self.y = page[1] - margin

    def para(
        self,
        text: str,
        size: float,
        *,
        font: str = "Sans",
        space: float = 0.4,
        lead: float = 1.25,
        indent: float = 0,
        bullet: str | None = None,
    ) -> None:
        """One paragraph of plain text (escaped: never markup), wrapped to the width."""
        size *= self.scale
        style = ParagraphStyle(
            "p",
            fontName=font,
            fontSize=size,
            leading=size * lead,
            leftIndent=indent,
            bulletIndent=0,
            bulletFontName="Sans-Bold",
            bulletFontSize=size,
        )
        body = escape(text)
        para = Paragraph(f"<bullet>{escape(bullet)}</bullet>{body}" if bullet else body, style)
        _, height = para.wrap(self.width, self.y)
        para.drawOn(self.canvas, self.margin, self.y - height)
        self.y -= height + size * space

    def line(self, text: str, font: str, max_size: float) -> None:
        """One unbroken line, as large as fits the width (up to ``max_size``): an address."""
        size = min(max_size * self.scale, self.width / pdfmetrics.stringWidth(text, font, 1))
        self.y -= size
        self.canvas.setFont(font, size)
        self.canvas.drawString(self.margin, self.y, text)
        self.y -= size * 0.6
