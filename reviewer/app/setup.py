"""The first-run screen: a laptop with no reviewer key makes one here, as ``bisik-reviewer init``.

Id, name and the passphrase typed twice go to :func:`reviewer.passphrase.same` and
:func:`reviewer.identity.enrol` (the command's own checks: id shape, a name, the passphrase's
length; nothing is written when one fails). The key is sealed on a worker thread (one
Argon2id run). Then the screen shows the fingerprint as the command prints it, what to do
with it, and the :class:`~reviewer.app.trust.TrustBox` to pin the root key and use the
directory. Passphrases are handed straight to the library; nothing is kept.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from crypto.errors import BisikError

from .. import identity, keyfile, passphrase
from ..home import Home
from ..i18n import t
from ..identity import Identity
from . import plain
from .background import Job
from .status import StatusLine
from .trust import TrustBox


def _secret() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class SetupScreen(QWidget):
    """Create the reviewer key, then pin the root and use the directory; ``on_done`` when the
    reviewer goes on to the unlock screen."""

    def __init__(self, home: Home, on_done: Callable[[], None]) -> None:
        super().__init__()
        self.home, self.on_done = home, on_done
        self.kdf_profile = keyfile.DEFAULT_PROFILE  # the key file's Argon2id cost
        body = QWidget()
        body.setMaximumWidth(900)
        form = QFormLayout(body)
        form.addRow(plain.words(t("app.setup.intro")))
        plain.row(form, t("app.unlock.home"), plain.label(str(home.root)))
        self.reviewer_id, self.name = QLineEdit(), QLineEdit()
        self.reviewer_id.setPlaceholderText(t("app.setup.id_example"))
        self.secret, self.again = _secret(), _secret()
        plain.row(form, t("app.setup.id"), self.reviewer_id)
        plain.row(form, t("app.setup.name"), self.name)
        plain.row(form, t("pp.new"), self.secret)
        plain.row(form, t("pp.again"), self.again)
        self.again.returnPressed.connect(self.make_key)
        self.button = QPushButton(t("app.setup.create_button"))
        self.button.setDefault(True)
        self.button.clicked.connect(self.make_key)
        form.addRow(self.button)
        self.status = StatusLine()
        form.addRow(self.status)
        self.trust = TrustBox(home)
        self.trust.setEnabled(False)
        form.addRow(self.trust)
        self.done_button = QPushButton(t("app.setup.continue"))
        self.done_button.setEnabled(False)
        self.done_button.clicked.connect(on_done)
        form.addRow(self.done_button)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        QVBoxLayout(self).addWidget(scroll)
        self.job = Job(self)
        self.reviewer_id.setFocus()

    def make_key(self) -> None:
        """``init``: the passphrase typed twice, then the key made off the GUI thread."""
        if self.job.running:
            return
        rid, name = self.reviewer_id.text().strip(), self.name.text().strip()
        first, again = self.secret.text(), self.again.text()
        self.secret.clear()
        self.again.clear()
        try:
            secret = passphrase.same(first, again)
        except BisikError as exc:
            self.status.error(exc)
            self.secret.setFocus()
            return
        self.status.info(t("app.setup.creating"))
        self._enable(False)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        self.job.start(
            lambda: identity.enrol(self.home, rid, name, secret, profile=self.kdf_profile),
            self._created,
            self._refused,
        )

    def _created(self, made: tuple[Identity, str]) -> None:
        QApplication.restoreOverrideCursor()
        ident = made[0]
        self.status.info(
            "\n".join(
                (
                    t("init.done", id=ident.id, path=str(self.home.public_json)),
                    t("init.fingerprint", fp=ident.keys.public.fingerprint),
                    t("init.png", path=str(self.home.public_png)),
                    "",
                    t("app.setup.next", home=str(self.home.root)),
                )
            )
        )
        self.trust.setEnabled(True)
        self.done_button.setEnabled(True)

    def _refused(self, exc: BisikError) -> None:
        QApplication.restoreOverrideCursor()
        self._enable(True)
        self.status.error(exc)
        self.reviewer_id.setFocus()

    def _enable(self, on: bool) -> None:
        for widget in (self.reviewer_id, self.name, self.secret, self.again, self.button):
            widget.setEnabled(on)
