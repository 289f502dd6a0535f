"""Tracking: a case's escalation chain of signed steps (crypto/SPEC.md §16) with its overdue
step shaded, every case whose newest step is past its deadline listed with its reminder, and
the form that records a new step.

Everything is :mod:`reviewer.escalation.chain`, the library ``bisik-reviewer track`` and
``due`` print from: :func:`~reviewer.escalation.chain.chain` for the table,
:func:`~reviewer.escalation.chain.overdue` for the shading,
:func:`~reviewer.escalation.chain.overdue_cases` over the store's index for the
reminders (no case is decrypted for them), the wording of
:mod:`reviewer.escalation.chainwords`. Like ``track`` and ``due``, the screen first converts a
laptop's old local tracking log into signed steps (:func:`reviewer.escalation.legacy.convert`,
once), so there is one chain to show and no second table.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from crypto.errors import BisikError

from ..escalation import chain, legacy, stages
from ..escalation.chainwords import authority_name, level_label, overdue_text, stage_label
from ..i18n import t
from ..session import Session
from . import plain
from .status import StatusLine
from .stepform import StepForm

OVERDUE = QColor("#f6d5d5")


def today() -> dt.date:
    """The laptop's calendar day, as ``track`` counts deadlines and dates a step."""
    return dt.date.today()


class TrackingScreen(QWidget):
    """Case picker, the case's chain, the step form beside it, the overdue reminders below."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.case = QComboBox()
        self.case.currentIndexChanged.connect(self.show_case)
        self.table = QTableWidget(0, 6)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        self.table.setHorizontalHeaderLabels(t("chain.header").split(" | "))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.next_stages = plain.words("")
        self.status = StatusLine()
        self.form = StepForm(session, self.status, self._recorded)
        self.reminders = QListWidget()  # plain-text items; as many as there are late cases
        self.reminders.setMaximumHeight(120)
        self.reminders.itemActivated.connect(self._choose)
        self.overdue: list[str] = []  # ids of the cases listed in the reminders
        pick = QFormLayout()
        plain.row(pick, t("col.case"), self.case)
        left = QVBoxLayout()
        left.addLayout(pick)
        left.addWidget(self.table, 1)
        left.addWidget(self.next_stages)
        right = QVBoxLayout()
        right.addWidget(self.form)
        right.addStretch(1)
        middle = QHBoxLayout()
        middle.addLayout(left, 3)
        middle.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(plain.words(t("app.tracking_intro")))
        layout.addLayout(middle, 1)
        layout.addWidget(self.status)
        layout.addWidget(plain.words(t("app.tracking_overdue")))
        layout.addWidget(self.reminders)
        self.refresh()

    def refresh(self, case_id: str | None = None) -> None:
        """Read the store again: convert an old log once, list the cases, show ``case_id``
        (default: the case shown before) and the reminders of every case."""
        s = self.session
        try:
            converted = legacy.convert(s.store, s.identity, s.config, s.directory, today())
        except BisikError as exc:
            self.status.error(exc)
            converted = 0
        if converted:
            self.status.info(t("chain.converted", n=converted))
        wanted = case_id or self.case.currentData()
        self.case.blockSignals(True)
        self.case.clear()
        for cid, summary in sorted(s.store.cases.items()):
            self.case.addItem(f"{cid[:12]} · {summary['rcv']}", cid)
        found = self.case.findData(wanted) if wanted else -1
        self.case.setCurrentIndex(max(found, 0) if self.case.count() else -1)
        self.case.blockSignals(False)
        self.show_case()
        self._reminders()

    def show_case(self) -> None:
        """Show the chosen case's chain, its overdue step shaded, and what may follow."""
        case_id = self.case.currentData()
        steps: list[chain.Step] = []
        late: chain.Overdue | None = None
        if case_id:
            try:
                case = self.session.store.case(str(case_id))
                steps, late = chain.chain(case), chain.overdue(case, today())
            except BisikError as exc:
                self.status.error(exc)
        self.table.setRowCount(len(steps))
        for row, step in enumerate(steps):
            shaded = late is not None and late.step.id == step.id
            for col, value in enumerate(_cells(step)):
                cell = plain.item(value)
                if shaded:
                    cell.setBackground(QBrush(OVERDUE))
                self.table.setItem(row, col, cell)
        allowed = stages.allowed_after(steps[-1].stage if steps else None)
        text = t("chain.next", stages=", ".join(stage_label(c) for c in allowed) or "—")
        if case_id and not steps:
            text = t("chain.none", case=str(case_id)[:12]) + "\n" + text
        if late is not None:
            text = "! " + overdue_text(late, late.case_id[:12]) + "\n" + text
        self.next_stages.setText(text)
        self.form.show_case(str(case_id) if case_id else None, steps)

    def _reminders(self) -> None:
        """Every case whose newest step is past its deadline (``track --overdue``); choosing
        one (Enter or double-click) shows its chain."""
        late = chain.overdue_cases(self.session.store.cases, today())
        self.overdue = [x.case_id for x in late]
        self.reminders.clear()
        for x in late:
            item = QListWidgetItem(plain.line(overdue_text(x, x.case_id[:12])))
            item.setData(Qt.ItemDataRole.UserRole, x.case_id)
            self.reminders.addItem(item)
        if not late:
            self.reminders.addItem(t("track.no_overdue"))

    def _choose(self, item: QListWidgetItem) -> None:
        case_id = item.data(Qt.ItemDataRole.UserRole)
        if case_id:
            self.case.setCurrentIndex(self.case.findData(case_id))

    def _recorded(self, message: str) -> None:
        self.refresh()
        self.status.info(message)


def _cells(step: chain.Step) -> tuple[str, ...]:
    """One row of ``track CASE``: day, authority, stage, reference, level, who signed."""
    return (
        step.day.isoformat(),
        authority_name(step.authority),
        stage_label(step.stage),
        step.reference or "—",
        level_label(step.level) if step.level else "—",
        step.by,
    )
