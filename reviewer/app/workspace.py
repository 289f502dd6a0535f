"""The unlocked workspace: one tab per part of the routine, a lock button in the corner."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QPushButton, QTabWidget

from ..i18n import t
from ..session import Session
from .cases import CasesPage
from .importer import ImportScreen
from .orgscreen import OrgScreen
from .outboxscreen import OutboxScreen
from .statsscreen import StatsScreen
from .tracking import TrackingScreen


class Workspace(QTabWidget):
    """Cases, import, outbox, tracking, statistics, organisation (Ctrl+Tab moves between)."""

    def __init__(self, session: Session, lock: Callable[[], None]) -> None:
        super().__init__()
        self.session = session
        self.cases = CasesPage(session)
        self.importer = ImportScreen(session, on_done=self.cases.refresh)
        self.outbox = OutboxScreen(session)
        self.tracking = TrackingScreen(session)
        self.stats = StatsScreen(session)
        self.org = OrgScreen(session.home)
        for screen, key in (
            (self.cases, "app.tab.cases"),
            (self.importer, "app.tab.import"),
            (self.outbox, "app.tab.outbox"),
            (self.tracking, "app.tab.tracking"),
            (self.stats, "app.tab.stats"),
            (self.org, "app.tab.org"),
        ):
            self.addTab(screen, t(key))
        self.currentChanged.connect(self._shown)
        self.importer.busy.connect(lambda busy: self.tabBar().setEnabled(not busy))
        button = QPushButton(t("app.lock_button"))
        button.clicked.connect(lock)
        self.setCornerWidget(button)

    def _shown(self, index: int) -> None:
        if self.widget(index) is self.tracking and self.cases.view is not None:
            self.tracking.refresh(self.cases.view.case.case_id)  # the case open is the one meant
            return
        refresh = getattr(self.widget(index), "refresh", None)
        if callable(refresh):
            refresh()

    def close_all(self) -> None:
        """Let a running import end, then drop open cases and previews: the session closes
        next."""
        self.importer.job.wait()
        self.cases.close_case()
