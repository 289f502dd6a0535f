"""Pictures of cleaned evidence and of dossier pages, made inside this process.

Images are decoded by Qt from bytes in memory; a PDF's pages are rendered to pictures by
PDFium (``pypdfium2``) with forms and scripts never initialised (no JavaScript, no actions,
no links are followed). No external program is ever started and nothing is written to disk.
"""

from __future__ import annotations

import pypdfium2 as pdfium
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

MAX_PAGES = 20
_FORMATS = {3: QImage.Format.Format_RGB888, 4: QImage.Format.Format_RGBA8888}


def pdf_pages(data: bytes, scale: float = 1.0, limit: int = MAX_PAGES) -> list[QImage]:
    """The first ``limit`` pages of a PDF as images; ValueError if PDFium cannot read it."""
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ValueError("not a readable PDF") from exc
    images = []
    try:
        for index in range(min(len(pdf), limit)):
            bitmap = pdf[index].render(scale=scale, may_draw_forms=False, rev_byteorder=True)
            channels = bitmap.stride // bitmap.width if bitmap.width else 3
            image = QImage(
                bytes(bitmap.buffer),
                bitmap.width,
                bitmap.height,
                bitmap.stride,
                _FORMATS.get(channels, QImage.Format.Format_RGB888),
            )
            images.append(image.copy())  # own the pixels before PDFium frees them
    finally:
        pdf.close()
    return images


def image(data: bytes) -> QImage:
    """A picture decoded from bytes in memory (a null image if Qt cannot decode it)."""
    return QImage.fromData(data)


class Pages(QScrollArea):
    """Pictures one under another in a scroll area (an image, or a PDF's pages)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.inner = QWidget()
        self.layout_ = QVBoxLayout(self.inner)
        self.setWidget(self.inner)
        self.shown: list[QImage] = []

    def show_images(self, images: list[QImage], width: int = 560) -> None:
        """Replace what is shown with ``images``, each scaled to ``width`` pixels."""
        self.clear()
        for picture in images:
            holder = QLabel()
            holder.setTextFormat(Qt.TextFormat.PlainText)
            # a small photo is enlarged to a readable size, a large one shrunk to fit
            shown = width if picture.width() < width // 2 else min(width, picture.width())
            holder.setPixmap(
                QPixmap.fromImage(picture).scaledToWidth(
                    max(1, shown), Qt.TransformationMode.SmoothTransformation
                )
            )
            self.layout_.addWidget(holder)
        self.layout_.addStretch(1)
        self.shown = images

    def clear(self) -> None:
        """Remove every picture."""
        while self.layout_.count():
            child = self.layout_.takeAt(0)
            widget = child.widget() if child is not None else None
            if widget is not None:
                widget.deleteLater()
        self.shown = []
