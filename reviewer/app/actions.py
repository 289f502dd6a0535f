"""The actions on one case: reply, status, note, assign — each the library function the
command of the same name calls (:mod:`reviewer.actions`), so a status or a reply is signed
exactly as ``bisik-reviewer status``/``reply`` sign it and queued for the outbox — and the
escalation wizard."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crypto import records as crecords
from crypto.errors import BisikError

from .. import actions, linking
from ..case import Case
from ..escalation.authorities import status_name
from ..i18n import t
from ..session import Session
from . import plain
from .escalation import EscalationWizard
from .status import StatusLine


class ActionsPanel(QWidget):
    """Reply, status, note, assign and escalate for one case; ``changed`` after each success."""

    def __init__(
        self, session: Session, case: Case, status: StatusLine, changed: Callable[[str], None]
    ) -> None:
        super().__init__()
        self.session, self.case, self.status, self.changed = session, case, status, changed
        layout = QVBoxLayout(self)
        self.reply_text = QPlainTextEdit()
        self.reply_text.setTabChangesFocus(True)
        self.reply_text.setPlaceholderText(t("app.reply_placeholder"))
        self.reply_button = QPushButton(t("app.reply_button"))
        self.reply_button.clicked.connect(self.reply)
        layout.addWidget(self._box("app.action.reply", self.reply_text, self.reply_button))
        self.state = QComboBox()
        for state in crecords.STATES:
            self.state.addItem(t(f"state.{state}"), state)
        self.authority = QLineEdit()
        self.authority.setPlaceholderText(t("app.authority_placeholder"))
        self.status_button = QPushButton(t("app.status_button"))
        self.status_button.clicked.connect(self.set_status)
        form = QFormLayout()
        plain.row(form, t("col.status"), self.state)
        plain.row(form, t("app.authority"), self.authority)
        layout.addWidget(self._box("app.action.status", form, self.status_button))
        self.note_text = QPlainTextEdit()
        self.note_text.setTabChangesFocus(True)
        self.note_text.setMaximumHeight(80)
        self.note_button = QPushButton(t("app.note_button"))
        self.note_button.clicked.connect(self.note)
        layout.addWidget(self._box("app.action.note", self.note_text, self.note_button))
        self.assignee = QComboBox()
        self.assignee.addItem(t("app.unassigned"), "-")
        for r in session.directory.active_reviewers():
            self.assignee.addItem(f"{r.id} — {r.name}", r.id)
        self.assign_button = QPushButton(t("app.assign_button"))
        self.assign_button.clicked.connect(self.assign)
        layout.addWidget(self._box("app.action.assign", self.assignee, self.assign_button))
        self.link_to = QComboBox()
        for cid, summary in sorted(session.store.cases.items()):
            if cid != case.case_id:
                self.link_to.addItem(f"{cid[:12]} · {summary['rcv']}", cid)
        self.link_share = QCheckBox(t("app.link_share"))
        self.link_share.setToolTip(t("link.share"))
        self.link_unlink = QCheckBox(t("app.link_unlink"))
        self.link_button = QPushButton(t("app.link_button"))
        self.link_button.clicked.connect(self.link)
        self.link_button.setEnabled(self.link_to.count() > 0)
        layout.addWidget(
            self._box(
                "app.action.link",
                self.link_to,
                self.link_share,
                plain.words(t("link.share")),
                self.link_unlink,
                self.link_button,
            )
        )
        self.escalate_button = QPushButton(t("app.escalate_button"))
        self.escalate_button.clicked.connect(self.escalate)
        layout.addWidget(self.escalate_button)
        layout.addStretch(1)
        self.wizard: EscalationWizard | None = None

    @staticmethod
    def _box(key: str, *parts: object) -> QGroupBox:
        box = QGroupBox(t(key))
        inner = QVBoxLayout(box)
        for part in parts:
            if isinstance(part, QWidget):
                inner.addWidget(part)
            else:
                inner.addLayout(part)  # type: ignore[arg-type]
        return box

    def _run(self, work: Callable[[], object], done: str) -> bool:
        try:
            work()
        except BisikError as exc:
            self.status.error(exc)
            return False
        self.changed(done)  # the view is built again from the store, saying what happened
        return True

    def reply(self) -> None:
        """Seal, sign and queue the reply typed (``reply``)."""
        s = self.session
        text = self.reply_text.toPlainText()
        self._run(
            lambda: actions.reply(
                s.store, s.identity, s.config, s.directory, self.case.case_id, text
            ),
            t("app.reply_done"),
        )

    def set_status(self) -> None:
        """Sign and queue the chosen status (``status``; an escalation needs the authority)."""
        s = self.session
        state = str(self.state.currentData())
        typed = self.authority.text().strip()
        authority = status_name(typed) if typed else None  # a listed body signs its code
        self._run(
            lambda: actions.set_status(
                s.store, s.identity, s.config, s.directory, self.case.case_id, state, authority
            ),
            t("status.done", state=t(f"state.{state}")),
        )

    def note(self) -> None:
        """Keep a private note (``note``; never leaves the laptop)."""
        s = self.session
        text = self.note_text.toPlainText()
        self._run(
            lambda: actions.add_note(s.store, s.identity, s.config, self.case.case_id, text),
            t("note.done"),
        )

    def assign(self) -> None:
        """Assign the case (``assign``)."""
        s = self.session
        who = str(self.assignee.currentData())
        self._run(
            lambda: actions.assign(s.store, s.config, s.directory, self.case.case_id, who),
            t("assign.done", reviewer=who),
        )

    def link(self) -> None:
        """Sign and queue a link from this case to the old case chosen (``link``, SPEC §15)."""
        s = self.session
        old = str(self.link_to.currentData())
        share, unlink = self.link_share.isChecked(), self.link_unlink.isChecked()
        body: list[dict[str, object]] = []

        def work() -> None:
            body.append(
                linking.link(
                    s.store,
                    s.identity,
                    s.config,
                    s.directory,
                    self.case.case_id,
                    old,
                    share=share,
                    unlink=unlink,
                )
            )

        key = "link.undone" if unlink else "link.shared" if share else "link.done"
        self._run(work, t(key, new=self.case.case_id[:12], old=old[:12]))

    def escalate(self) -> None:
        """Open the escalation wizard for this case."""
        self.wizard = EscalationWizard(self.session, self.case, self)
        self.wizard.finished.connect(self._escalated)
        self.wizard.open()

    def _escalated(self, _code: int) -> None:
        """After the wizard: what was written and that it still has to be sent and tracked
        (the case view is built again, saying so)."""
        wizard, self.wizard = self.wizard, None  # ended: rebuilding the view must not close it
        if wizard is not None:
            wizard.discard()  # the draft's plaintext leaves the work directory
            if wizard.result_text:
                self.changed(wizard.result_text)
