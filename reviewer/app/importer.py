"""Import from a USB stick: pick the export bundle, watch the progress, read the summary.

The same two library steps as ``bisik-reviewer import``: :func:`reviewer.bundles.open_export`
verifies the whole bundle (the server's signature against the trusted directory, every item
hash) before anything is yielded, then :func:`reviewer.importer.import_export` merges it in one
store transaction. A tampered or foreign bundle is refused with the library's message and
hint, and the store is left as it was.

Both run on a worker thread (:mod:`.background`): the window keeps repainting and the bar
moves. Meanwhile :attr:`ImportScreen.busy` tells the workspace to keep every other tab (each
reads the store being written) out of reach.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crypto.errors import BisikError

from .. import org
from ..bundles import open_export, staging_root
from ..i18n import t
from ..importer import ImportSummary, import_export
from ..session import Session
from . import plain
from .background import Job
from .files import PathField
from .status import StatusLine


class ImportScreen(QWidget):
    """Bundle path, import button, progress bar, result or refusal."""

    busy = Signal(bool)  # True when an import starts, False when its outcome is shown
    _total = Signal(int)  # from the worker thread: the bundle's item count
    _step = Signal(int)  # from the worker thread: items done since the last step

    def __init__(self, session: Session, on_done: Callable[[], None]) -> None:
        super().__init__()
        self.session, self.on_done = session, on_done
        self.path = PathField("open", t("app.bundle_pattern"))
        self.button = QPushButton(t("app.import_button"))
        self.button.clicked.connect(self.run)
        self.progress = QProgressBar()
        self.progress.setValue(0)
        self.status = StatusLine()
        self.job = Job(self)
        self._total.connect(self.progress.setMaximum)
        self._step.connect(self._advance)
        form = QFormLayout()
        form.addRow(plain.words(t("app.import_intro")))
        plain.row(form, t("app.bundle"), self.path)
        form.addRow(self.button)
        plain.row(form, t("import.progress"), self.progress)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addStretch(1)

    def _advance(self, done: int = 1) -> None:
        self.progress.setValue(self.progress.value() + done)

    def run(self) -> None:
        """Verify and import the chosen bundle off the GUI thread; the summary or the refusal
        is shown below when it ends."""
        if self.job.running:
            return
        path = Path(self.path.text())
        self.progress.setValue(0)
        self.status.info(t("import.verifying"))
        self._set_busy(True)
        self.job.start(lambda: self._import(path), self._imported, self._refused)

    def _import(self, path: Path) -> ImportSummary:
        """The worker thread's part: the library's import, progress by signals only."""
        s = self.session
        directory = org.load_directory(s.home)
        with open_export(path, directory, staging_root(s.home)) as export:
            self._total.emit(max(1, int(export.manifest.count)))
            return import_export(s.store, s.identity, directory, s.config, export, self._step.emit)

    def _imported(self, summary: ImportSummary) -> None:
        self._set_busy(False)
        self.progress.setValue(self.progress.maximum())
        self.status.info("\n".join(summary.lines()))
        self.on_done()

    def _refused(self, exc: BisikError) -> None:
        self._set_busy(False)
        self.progress.setValue(0)
        self.status.error(exc)

    def _set_busy(self, busy: bool) -> None:
        self.button.setEnabled(not busy)
        self.path.setEnabled(not busy)
        if busy:
            QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        else:
            QApplication.restoreOverrideCursor()
        self.busy.emit(busy)
