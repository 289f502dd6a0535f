"""The main window: the set-up screen on a laptop with no reviewer key yet, else the unlock
screen; then the workspace's tabs; locks itself when idle."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QMainWindow, QStackedWidget

from ..home import Home
from ..i18n import t
from ..session import Session
from . import qtwords
from .holder import Holder
from .idle import IdleLock
from .setup import SetupScreen
from .unlock import UnlockScreen
from .workspace import Workspace


class MainWindow(QMainWindow):
    """One window for one reviewer home. ``idle_minutes`` as the shell's ``--idle-minutes``."""

    def __init__(self, home: Home, idle_minutes: float = 15) -> None:
        super().__init__()
        qtwords.install()  # Qt's own dialogs in the catalogue's language
        self.home = home
        self.holder = Holder()
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.workspace: Workspace | None = None
        self.setup: SetupScreen | None = None
        if not home.key_file.exists():
            self.setup = SetupScreen(home, self._set_up)
            self.stack.addWidget(self.setup)
        self.unlock = self._unlock_screen()
        if self.setup is not None:
            self.stack.setCurrentWidget(self.setup)
            self.setup.reviewer_id.setFocus()
        self.idle = IdleLock(idle_minutes, self)
        self.idle.expired.connect(lambda: self.lock(t("app.locked_idle")))
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle)
        QShortcut(QKeySequence("Ctrl+L"), self, lambda: self.lock(t("app.locked")))
        self.setWindowTitle(t("app.title"))

    def _unlock_screen(self) -> UnlockScreen:
        screen = UnlockScreen(self.home, self.holder, self._unlocked, self._relabel)
        self.stack.addWidget(screen)
        self.stack.setCurrentWidget(screen)
        # The screen's own setFocus was lost when it moved into this window: without this the
        # language box, first in the tab order, would take the passphrase being typed (and
        # switch the language on an "e").
        screen.passphrase.setFocus()
        return screen

    def _set_up(self) -> None:
        """The key was made (and perhaps the organisation installed): ask for the passphrase."""
        self.stack.setCurrentWidget(self.unlock)
        self.unlock.passphrase.setFocus()

    def _relabel(self) -> None:
        """The language changed on the unlock screen: build it again in that language."""
        old = self.unlock
        self.unlock = self._unlock_screen()
        self.stack.removeWidget(old)
        old.deleteLater()
        self.setWindowTitle(t("app.title"))

    def _unlocked(self, session: Session) -> None:
        self.workspace = Workspace(session, lock=lambda: self.lock(t("app.locked")))
        self.stack.addWidget(self.workspace)
        self.stack.setCurrentWidget(self.workspace)
        self.idle.start()

    def lock(self, reason: str) -> None:
        """Close the session, drop every screen that showed case data, ask for the passphrase.
        A passphrase being tried or an import running is let finish first (the window waits)."""
        self.unlock.job.wait()
        if self.setup is not None:
            self.setup.job.wait()
            if self.stack.currentWidget() is self.setup:
                return  # nothing is unlocked yet; the set-up screen stays
        self.idle.stop()
        if self.workspace is not None:
            self.workspace.close_all()
            self.stack.removeWidget(self.workspace)
            self.workspace.deleteLater()
            self.workspace = None
        self.holder.lock()
        self.stack.setCurrentWidget(self.unlock)
        self.unlock.locked(reason)

    def closeEvent(self, event: object) -> None:
        """Closing the window locks first (releases the store for the command line)."""
        self.lock("")
        super().closeEvent(event)  # type: ignore[arg-type]
