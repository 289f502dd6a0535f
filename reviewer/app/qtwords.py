"""Indonesian for the texts Qt draws itself (its file dialogs, standard buttons): Qt ships no
Indonesian translation, so without this the dialogs a reviewer uses to pick a bundle from the
USB stick would be the one English part of the window.

:class:`QtWords` is a ``QTranslator`` that answers from ``reviewer/i18n/qt.json`` (Qt's
translation context → English source text → Indonesian), and answers nothing (so Qt keeps its
English) when English is chosen; it asks the catalogue's :func:`reviewer.i18n.language` on
every call, so the unlock screen's language switch applies to the next dialog. Nothing here
sees a reviewer's data: only Qt's own interface strings pass through.
"""

from __future__ import annotations

import functools
import json
from importlib import resources

from PySide6.QtCore import QCoreApplication, QTranslator

from ..i18n import language


@functools.cache
def words() -> dict[str, dict[str, str]]:
    """Context → {English source → Indonesian} for the Qt texts the app shows."""
    text = resources.files("reviewer.i18n").joinpath("qt.json").read_text(encoding="utf-8")
    table: dict[str, dict[str, str]] = json.loads(text)["id"]
    return table


class QtWords(QTranslator):
    """The Indonesian of Qt's own texts, while the catalogue's language is Indonesian."""

    def translate(
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        """Qt's ``translate``: the Indonesian text, or None (a null string: Qt asks the next
        translator, then keeps its English) if unknown or if English is chosen. An empty
        string would not do: Qt takes any non-null answer, and the text would vanish. The
        disambiguation (platform notes) does not change the words."""
        if language() != "id":
            return None
        return words().get(context, {}).get(source)

    def isEmpty(self) -> bool:
        """Never empty: Qt skips an empty translator without asking it."""
        return False


_installed: list[QtWords] = []  # the Python object must outlive every call Qt makes to it


def install() -> None:
    """Install :class:`QtWords` on the running application, once."""
    app = QCoreApplication.instance()
    if app is None or any(t.parent() is app for t in _installed):
        return
    translator = QtWords(app)
    app.installTranslator(translator)
    _installed.append(translator)
