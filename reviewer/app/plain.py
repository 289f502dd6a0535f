"""Reporter text in widgets: plain text that cannot pose as part of the window.

Everything a reporter (or a server relaying them) wrote reaches a widget through this module:

- Qt's rich-text detection is off everywhere (``Qt.TextFormat.PlainText``): ``<b>``, ``<a
  href>`` or ``<img>`` show as the characters typed, never as formatting, a link or a picture;
  no label opens links.
- The terminal filter (:func:`reviewer.ui.terminal.safe`) replaces control characters, the bidi
  embedding/override/isolate marks (RLO, LRI…) and line/paragraph separators with U+FFFD, so
  ``gpj.exe`` cannot read as ``exe.jpg`` and text cannot reorder the app's words beside it.
- Runs of more than :data:`RUN` characters without a space get a break opportunity, and text
  is cut at :data:`MAX_CHARS`, so a long value wraps inside its own framed box instead of
  pushing buttons out of the window.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QTableWidgetItem, QWidget

from ..ui.terminal import one_line, safe

MAX_CHARS = 20_000
RUN = 48
_LONG_RUN = re.compile(rf"(\S{{{RUN}}})(?=\S)")


def shown(text: object, limit: int = MAX_CHARS) -> str:
    """``text`` made safe (see the module docstring), breakable and at most ``limit`` chars."""
    value = safe(str(text))
    if len(value) > limit:
        value = value[:limit] + "…"
    return _LONG_RUN.sub("\\1\u200b", value)


def line(text: object, limit: int = 200) -> str:
    """:func:`shown` on one line (breaks shown as ⏎), for table cells and titles."""
    value = one_line(str(text))
    return value if len(value) <= limit else value[:limit] + "…"


def label(text: object, parent: QWidget | None = None, *, framed: bool = False) -> QLabel:
    """A read-only plain-text label (selectable, never a link); ``framed`` draws a sunken box
    around it: what a reporter wrote sits inside a frame the app's own words never have."""
    widget = QLabel(parent)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    widget.setOpenExternalLinks(False)
    widget.setWordWrap(True)
    widget.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse
        | Qt.TextInteractionFlag.TextSelectableByKeyboard
    )
    widget.setText(shown(text))
    if framed:
        widget.setFrameShape(QFrame.Shape.StyledPanel)
        widget.setFrameShadow(QFrame.Shadow.Sunken)
        widget.setMargin(4)
    return widget


def words(text: str, parent: QWidget | None = None) -> QLabel:
    """The app's own words (from the catalogue): plain text too, wrapped, not selectable."""
    widget = QLabel(text, parent)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    widget.setWordWrap(True)
    return widget


def item(text: object) -> QTableWidgetItem:
    """A read-only table cell holding :func:`line` of ``text``."""
    cell = QTableWidgetItem(line(text))
    cell.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    return cell


def row(form: QFormLayout, text: str, field: QWidget) -> None:
    """A form row whose label is :func:`words` (plain text) and the field's buddy, so its
    ``&`` shortcut, if any, moves the focus to the field."""
    name = words(text)
    name.setBuddy(field)
    form.addRow(name, field)
