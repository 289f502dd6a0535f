"""Tracking: every dossier sent, per case and authority, with its deadline and what the
authority answered; overdue items highlighted and listed with their reminder
(:mod:`reviewer.escalation.tracking`, what ``bisik-reviewer track`` shows)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from ..escalation import tracking
from ..i18n import t
from ..session import Session
from . import plain

OVERDUE = QColor("#f6d5d5")


class TrackingScreen(QWidget):
    """The tracking log as a table and the overdue reminders under it."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels(t("track.header").split(" | "))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.reminders = plain.label("")
        layout = QVBoxLayout(self)
        layout.addWidget(plain.words(t("app.tracking_intro")))
        layout.addWidget(self.table, 1)
        layout.addWidget(plain.words(t("app.tracking_overdue")))
        layout.addWidget(self.reminders)
        self.refresh()

    def refresh(self) -> None:
        """Read the log again from the store."""
        log = tracking.load(self.session.store)
        today = dt.date.today()
        late = log.overdue(today, tracking.DEFAULT_ANSWER_DAYS)
        late_keys = {(r.entry.case, r.entry.authority) for r in late}
        self.table.setRowCount(len(log.entries))
        for row, e in enumerate(log.entries):
            outcome = t(f"track.outcome.{e.outcome}") if e.outcome else "—"
            values = (
                e.case[:12],
                e.authority,
                e.sent or "—",
                e.reference or "—",
                e.deadline or "—",
                outcome,
            )
            for col, value in enumerate(values):
                cell = plain.item(value)
                if (e.case, e.authority) in late_keys:
                    cell.setBackground(QBrush(OVERDUE))
                self.table.setItem(row, col, cell)
        text = "\n".join(
            f"{r.entry.case[:12]} {r.entry.authority}: {t(r.reason, **r.values)}" for r in late
        )
        self.reminders.setText(plain.shown(text or t("track.no_overdue")))
