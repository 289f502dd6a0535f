"""The line under each screen that says what just happened: a result, or an error and its hint.

Errors are the library's own (:class:`crypto.errors.BisikError`, message and hint from the
catalogue): the same words ``bisik-reviewer`` prints after ``error:`` and ``hint:``, except a
hint that names a command-line option (``--reference``): where the catalogue has the app's own
wording (``app.<key>.hint``), that is shown instead. A message may quote reporter text (a field
name), so it is shown as plain, filtered text.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from crypto.errors import BisikError

from ..i18n import has, t
from . import plain


class StatusLine(QLabel):
    """A plain-text line for results (black) and errors (dark red, with the hint below)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(plain.Qt.TextFormat.PlainText)
        self.failed = False

    def info(self, text: str) -> None:
        """Show a result."""
        self.failed = False
        self.setStyleSheet("")
        self.setText(plain.shown(text))

    def error(self, exc: BisikError) -> None:
        """Show a refusal: the error's message, then its hint."""
        self.failed = True
        self.setStyleSheet("color: #8b0000; font-weight: bold")
        self.setText(plain.shown(f"{exc}\n{hint(exc)}"))


def hint(exc: BisikError) -> str:
    """The error's hint in the app's words when the catalogue has them, else its own."""
    key = f"app.{getattr(exc, 'key', '')}.hint"
    return t(key) if has(key) else exc.hint or ""
