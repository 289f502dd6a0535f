"""The case list (filters of ``bisik-reviewer list``, late cases highlighted) and the page that
swaps it for one case's view.

A row is shaded when the case is late: its next deadline of our own (acknowledgement, first
feedback: :mod:`reviewer.deadlines`) has passed, or the authority it was escalated to is past
its stage's deadline (:func:`reviewer.escalation.chain.overdue_from_summary`, the reminder
``due`` prints). Both are read from the store's index: no case is decrypted for the list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHeaderView,
    QStackedWidget,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from crypto import records as crecords
from crypto.errors import BisikError

from .. import caselist
from .. import vocabulary as vocab
from ..escalation import chain
from ..i18n import t
from ..session import Session
from . import plain
from .caseview import CaseScreen
from .status import StatusLine

LATE = QColor("#f6d5d5")
COLUMNS = (
    "col.case",
    "col.received",
    "col.status",
    "col.category",
    "col.region",
    "col.severity",
    "col.assigned",
    "col.due",
    "col.flags",
)
DUE_SOON_DAYS = 7


def today() -> dt.date:
    """The UTC day, as ``list`` and ``due`` count it."""
    return dt.datetime.now(dt.UTC).date()


def _combo(everything: str, items: list[tuple[str, str]]) -> QComboBox:
    box = QComboBox()  # long labels are elided in the box, shown whole in its list
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(12)
    box.addItem(everything, None)
    for code, text in items:
        box.addItem(text, code)
    return box


class CaseListScreen(QWidget):
    """The store's cases as a table, filtered; ``opened`` carries the case id chosen."""

    opened = Signal(str)

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        every = t("app.filter.all")
        self.status = _combo(every, [(s, t(f"state.{s}")) for s in crecords.STATES])
        self.category = _combo(every, [(c, caselist.category_label(c)) for c in vocab.CATEGORIES])
        self.region = _combo(every, [(p, p) for p in vocab.PROVINCES])
        self.due = _combo(
            every, [("late", t("app.filter.late")), ("soon", t("app.filter.soon", n=DUE_SOON_DAYS))]
        )
        reviewers = [(r.id, f"{r.id} — {r.name}") for r in session.directory.active_reviewers()]
        self.assigned = _combo(every, reviewers)
        self.flagged = QCheckBox(t("app.filter.flagged"))
        bar = QGridLayout()
        for n, (key, box) in enumerate(
            (
                ("col.status", self.status),
                ("col.category", self.category),
                ("col.region", self.region),
                ("col.due", self.due),
                ("col.assigned", self.assigned),
            )
        ):
            name = plain.words(t(key))
            name.setBuddy(box)
            bar.addWidget(name, n // 3, 2 * (n % 3))
            bar.addWidget(box, n // 3, 2 * (n % 3) + 1)
            bar.setColumnStretch(2 * (n % 3) + 1, 1)
            box.currentIndexChanged.connect(self.refresh)
        bar.addWidget(self.flagged, 1, 4, 1, 2)
        self.flagged.toggled.connect(self.refresh)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        self.table.setHorizontalHeaderLabels([t(c) for c in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.cellActivated.connect(self._open_row)
        self.table.cellDoubleClicked.connect(self._open_row)
        QShortcut(QKeySequence(Qt.Key.Key_Return), self.table, self.open_selected)
        self.count = plain.words("")
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        self.ids: list[str] = []
        self.refresh()

    def wanted(self) -> caselist.CaseFilter:
        """The filter the controls describe (the same as ``list``'s options)."""
        due = self.due.currentData()
        return caselist.CaseFilter(
            status=self.status.currentData(),
            category=self.category.currentData(),
            region=self.region.currentData(),
            assigned=self.assigned.currentData(),
            late=due == "late",
            flagged=self.flagged.isChecked(),
            late_elsewhere=_authority_late,
            due_before=today() + dt.timedelta(days=DUE_SOON_DAYS + 1) if due == "soon" else None,
        )

    def refresh(self) -> None:
        """Read the index again and show the rows the filters keep (no case is decrypted)."""
        day = today()
        cases = self.session.store.cases
        rows = caselist.select(cases, self.session.config, day, self.wanted())
        self.table.setRowCount(len(rows))
        self.ids = [cid for cid, _, _ in rows]
        lates = 0
        for r, (cid, m, nxt) in enumerate(rows):
            ours = nxt is not None and nxt < day
            theirs = chain.overdue_from_summary(cid, dict(m), day)
            late = ours or theirs is not None
            lates += late
            due = "—" if nxt is None else nxt.isoformat()
            if ours and nxt is not None:
                due += f" ({t('due.late', n=(day - nxt).days)})"
            if theirs is not None:
                due += f" ({t('app.authority_late', n=theirs.days_late)})"
            values = (
                cid[:12],
                m["rcv"],
                t(f"state.{m['st']}"),
                caselist.category_label(m["cat"]) if m["cat"] else "—",
                m["reg"] or "—",
                t(f"severity.{m['sev']}") if m["sev"] else "—",
                m["asg"] or "—",
                due,
                ", ".join(t(f"flag.{f}") for f in m["fl"]) or "—",
            )
            for c, value in enumerate(values):
                cell = plain.item(value)
                if late:
                    cell.setBackground(QBrush(LATE))
                self.table.setItem(r, c, cell)
        self.count.setText(
            t("list.count", shown=len(rows), total=len(cases)) + "  " + t("app.late_count", n=lates)
        )

    def _open_row(self, row: int, _column: int = 0) -> None:
        if 0 <= row < len(self.ids):
            self.opened.emit(self.ids[row])

    def open_selected(self) -> None:
        """Open the selected row's case (Enter)."""
        self._open_row(self.table.currentRow())


class CasesPage(QStackedWidget):
    """The list, or one case; going back refreshes the list."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.list = CaseListScreen(session)
        self.list.opened.connect(self.open_case)
        self.addWidget(self.list)
        self.view: CaseScreen | None = None
        self.status = StatusLine()

    def open_case(self, case_id: str, message: str = "") -> None:
        """Show one case (parsed once by the store), with ``message`` on its status line."""
        self.close_case()
        try:
            self.view = CaseScreen(
                self.session, case_id, back=self.back, reopen=self.open_case, message=message
            )
        except BisikError as exc:
            self.list.count.setText(plain.shown(f"{exc} {exc.hint}"))
            return
        self.addWidget(self.view)
        self.setCurrentWidget(self.view)

    def back(self) -> None:
        """Return to the list."""
        self.close_case()
        self.refresh()

    def close_case(self) -> None:
        """Drop the case view (and any preview it holds)."""
        if self.view is not None:
            if self.view.panel.wizard is not None:  # a draft's plaintext leaves the work dir
                self.view.panel.wizard.discard()
                self.view.panel.wizard.reject()
            self.removeWidget(self.view)
            self.view.deleteLater()
            self.view = None
        self.setCurrentWidget(self.list)

    def refresh(self) -> None:
        """Refresh the list (after an import or an action)."""
        self.list.refresh()


def _authority_late(cid: str, summary: Mapping[str, Any]) -> bool:
    """The authority this case was escalated to is past its stage's deadline today."""
    return chain.overdue_from_summary(cid, dict(summary), today()) is not None
