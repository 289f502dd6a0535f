"""Outbox to USB: how many signed statuses, replies and tracking steps wait, and the return
bundle written by :func:`reviewer.outbox.write` (what ``bisik-reviewer outbox`` writes)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QFormLayout, QPushButton, QVBoxLayout, QWidget

from crypto.errors import BisikError

from .. import outbox
from ..i18n import t
from ..session import Session
from . import plain
from .files import PathField
from .status import StatusLine


class OutboxScreen(QWidget):
    """Waiting items, target file, write button, result."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.waiting = plain.words("")
        self.path = PathField("save", t("app.bundle_pattern"))
        self.resend = QCheckBox(t("outbox.resend"))
        self.button = QPushButton(t("app.outbox_button"))
        self.button.clicked.connect(self.run)
        self.status = StatusLine()
        form = QFormLayout()
        form.addRow(plain.words(t("app.outbox_intro")))
        form.addRow(self.waiting)
        plain.row(form, t("app.outbox_file"), self.path)
        form.addRow(self.resend)
        form.addRow(self.button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.refresh()

    def refresh(self) -> None:
        """Count what is queued and not yet written."""
        pending = [p for p in self.session.store.meta.get("pending", []) if not p.get("sent")]
        kinds = [p["kind"] for p in pending]
        self.waiting.setText(
            t(
                "app.outbox_waiting",
                statuses=kinds.count("status"),
                replies=kinds.count("reply"),
                steps=kinds.count("track"),
            )
        )

    def run(self) -> None:
        """Write the outbox bundle to the chosen file."""
        s = self.session
        if not self.path.text():
            self.status.info(t("app.outbox_missing"))
            return
        try:
            done = outbox.write(
                s.store,
                s.identity,
                s.directory,
                Path(self.path.text()),
                resend=self.resend.isChecked(),
            )
        except BisikError as exc:
            self.status.error(exc)
            return
        self.status.info(done.done_text())
        self.refresh()
