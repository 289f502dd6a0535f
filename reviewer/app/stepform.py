"""The form that records one step of a case's escalation chain: authority, stage, day, the
authority's reference and the sanction level, signed by :func:`reviewer.escalation.chain.
record_step` exactly as ``bisik-reviewer track CASE --authority … --stage …`` signs it, and
queued for the outbox.

The form offers only what the data allows (the stages ``stages.json`` lets follow the case's
last step; a level only for a stage that needs one) but checks nothing itself: every rule is the
library's, and a step it refuses (a missing reference, an authority the stage does not take, a
day in the future) is shown on the status line with nothing recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QPushButton,
)

from crypto.errors import BisikError

from ..escalation import authorities, chain, stages
from ..escalation.chainwords import level_label, stage_label
from ..i18n import t
from ..session import Session
from . import plain
from .status import StatusLine


class StepForm(QGroupBox):
    """Record a step for the case :meth:`show_case` named; ``recorded`` gets the result line."""

    def __init__(
        self, session: Session, status: StatusLine, recorded: Callable[[str], None]
    ) -> None:
        super().__init__(t("app.step_title"))
        self.session, self.status, self.recorded = session, status, recorded
        self.case_id: str | None = None
        self.authority = QComboBox()
        for body in authorities.every():
            if body.active:
                self.authority.addItem(body.name, body.code)
        self.stage = QComboBox()
        self.stage.currentIndexChanged.connect(self._needs)
        self.day = QDateEdit(QDate.currentDate())
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.reference = QLineEdit()
        self.level = QComboBox()
        self.escalate = QCheckBox(t("app.step_set_status", state=t("state.escalated")))
        self.button = QPushButton(t("app.step_button"))
        self.button.clicked.connect(self.record)
        form = QFormLayout(self)
        plain.row(form, t("app.step_authority"), self.authority)
        plain.row(form, t("app.step_stage"), self.stage)
        plain.row(form, t("app.step_day"), self.day)
        plain.row(form, t("app.step_reference"), self.reference)
        plain.row(form, t("app.step_level"), self.level)
        form.addRow(self.escalate)
        form.addRow(plain.words(t("app.step_note")))
        form.addRow(self.button)

    def show_case(self, case_id: str | None, steps: list[chain.Step]) -> None:
        """Offer the stages allowed after the case's last step; the last step's authority
        is chosen again (a chain usually stays with one body until it is forwarded)."""
        self.case_id = case_id
        self.stage.clear()
        for code in stages.allowed_after(steps[-1].stage if steps else None):
            self.stage.addItem(f"{stage_label(code)} ({code})", code)
        if steps:
            found = self.authority.findData(steps[-1].authority)
            self.authority.setCurrentIndex(max(found, self.authority.currentIndex()))
        self.day.setDate(QDate.currentDate())
        self.reference.clear()
        self.setEnabled(case_id is not None and self.stage.count() > 0)

    def _needs(self) -> None:
        """A level only where the stage needs one; the reference field says when it must be
        filled (the library refuses the step without it)."""
        known = stages.get(str(self.stage.currentData() or ""))
        needs = known.needs if known else frozenset()
        self.level.clear()
        if "level" in needs:
            for code in stages.load().levels:
                self.level.addItem(level_label(code), code)
        else:
            self.level.addItem(t("app.step_level_none"), None)
        self.level.setEnabled("level" in needs)
        self.escalate.setEnabled(self.stage.currentData() in chain.ESCALATING)
        key = "app.step_reference_needed" if "reference" in needs else "app.step_reference_optional"
        self.reference.setPlaceholderText(t(key))

    def record(self) -> None:
        """Sign, record and queue the step (``track``), then, if ticked, the status
        ``escalated`` (``track --set-status``); on refusal say why: nothing is recorded when
        the step is refused, the step stays when only the status is."""
        case_id = self.case_id
        if case_id is None:
            return
        try:
            body = self._step(case_id)
        except BisikError as exc:
            self.status.error(exc)
            return
        saved = t(
            "app.step_saved",
            case=case_id[:12],
            authority=self.authority.currentText(),
            stage=stage_label(body["stage"]),
            day=body["day"],
        )
        try:
            s = self.session
            if self.escalate.isEnabled() and self.escalate.isChecked():
                chain.mark_escalated(s.store, s.identity, s.config, s.directory, case_id, body)
                saved += "\n" + t("app.step_escalated", state=t("state.escalated"))
        except BisikError as exc:
            self.recorded(saved)
            self.status.error(exc)
            return
        self.recorded(saved)

    def _step(self, case_id: str) -> dict[str, Any]:
        s = self.session
        day: dt.date = self.day.date().toPython()  # type: ignore[assignment]
        return chain.record_step(
            s.store,
            s.identity,
            s.config,
            s.directory,
            case_id,
            authority=str(self.authority.currentData()),
            stage=str(self.stage.currentData()),
            day=day,
            reference=self.reference.text() or None,
            level=self.level.currentData() or None,
        )
