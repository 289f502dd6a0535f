"""The unlock screen: the passphrase, the language, and what went wrong if it did not open."""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crypto.errors import BisikError

from ..home import Home
from ..i18n import t
from ..session import Session
from . import plain
from .background import Job
from .holder import Holder
from .status import StatusLine

LANGUAGE_NAMES = (("id", "Bahasa Indonesia"), ("en", "English"))


def set_language(lang: str) -> None:
    """Choose the language of every later text (the catalogue reads ``BISIK_LANG``)."""
    os.environ["BISIK_LANG"] = lang


class UnlockScreen(QWidget):
    """Passphrase → :meth:`Holder.unlock`; ``on_unlocked`` gets the session. A wrong passphrase
    is said on the screen and nothing changes; ``on_language`` rebuilds the window's texts."""

    def __init__(
        self,
        home: Home,
        holder: Holder,
        on_unlocked: Callable[[Session], None],
        on_language: Callable[[], None],
    ) -> None:
        super().__init__()
        self.home, self.holder = home, holder
        self.on_unlocked, self.on_language = on_unlocked, on_language
        box = QWidget(self)
        box.setMaximumWidth(640)
        form = QFormLayout(box)
        form.addRow(plain.words(t("app.unlock.intro")))
        plain.row(form, t("app.unlock.home"), plain.label(str(home.root)))
        self.language = QComboBox()
        for code, name in LANGUAGE_NAMES:
            self.language.addItem(name, code)
        self.language.setCurrentIndex(1 if os.environ.get("BISIK_LANG", "").startswith("en") else 0)
        self.language.currentIndexChanged.connect(self._language)
        plain.row(form, t("app.language"), self.language)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.returnPressed.connect(self.submit)
        plain.row(form, t("app.unlock.passphrase"), self.passphrase)
        self.button = QPushButton(t("app.unlock.button"))
        self.button.setDefault(True)
        self.button.clicked.connect(self.submit)
        form.addRow(self.button)
        self.status = StatusLine()
        form.addRow(self.status)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.job = Job(self)
        self.passphrase.setFocus()

    def _language(self) -> None:
        set_language(str(self.language.currentData()))
        self.on_language()

    def submit(self) -> None:
        """Try the passphrase typed: one Argon2id run on a worker thread; the window repaints
        meanwhile and the controls wait, disabled."""
        if self.job.running:
            return
        secret = self.passphrase.text()
        self.passphrase.clear()
        self.status.info(t("app.unlock.opening"))
        self._enable(False)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        self.job.start(lambda: self.holder.unlock(self.home, secret), self._opened, self._refused)

    def _opened(self, session: Session) -> None:
        self._ready()
        self.status.info("")
        self.on_unlocked(session)

    def _refused(self, exc: BisikError) -> None:
        self._ready()
        self.status.error(exc)
        self.passphrase.setFocus()

    def _ready(self) -> None:
        QApplication.restoreOverrideCursor()
        self._enable(True)

    def _enable(self, on: bool) -> None:
        """The controls (not the status line, which says what is happening)."""
        for widget in (self.language, self.passphrase, self.button):
            widget.setEnabled(on)

    def locked(self, reason: str) -> None:
        """Shown again after a lock: say why, and wait for the passphrase."""
        self.status.info(reason)
        self.passphrase.setFocus()
