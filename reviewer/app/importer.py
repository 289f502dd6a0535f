"""Import from a USB stick: pick the export bundle, watch the progress, read the summary.

The same two library steps as ``bisik-reviewer import``: :func:`reviewer.bundles.open_export`
verifies the whole bundle (the server's signature against the trusted directory, every item
hash) before anything is yielded, then :func:`reviewer.importer.import_items` merges it in one
store transaction. A tampered or foreign bundle is refused with the library's message and
hint, and the store is left as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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
from ..importer import import_items
from ..session import Session
from . import plain
from .files import PathField
from .status import StatusLine


class ImportScreen(QWidget):
    """Bundle path, import button, progress bar, result or refusal."""

    def __init__(self, session: Session, on_done: Callable[[], None]) -> None:
        super().__init__()
        self.session, self.on_done = session, on_done
        self.path = PathField("open", t("app.bundle_pattern"))
        self.button = QPushButton(t("app.import_button"))
        self.button.clicked.connect(self.run)
        self.progress = QProgressBar()
        self.progress.setValue(0)
        self.status = StatusLine()
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
        QApplication.processEvents()

    def run(self) -> None:
        """Verify and import the chosen bundle; the summary or the refusal is shown below."""
        s = self.session
        path = Path(self.path.text())
        self.progress.setValue(0)
        self.status.info(t("import.verifying"))
        QApplication.processEvents()
        try:
            directory = org.load_directory(s.home)
            with open_export(path, directory, staging_root(s.home)) as export:
                manifest = export.manifest
                self.progress.setMaximum(max(1, int(manifest.count)))
                summary = import_items(
                    s.store,
                    s.identity,
                    directory,
                    s.config,
                    export.items(),
                    bundle_id=manifest.bundle_id,
                    seq_to=int(manifest.seq_to),
                    progress=self._advance,
                )
        except BisikError as exc:
            self.progress.setValue(0)
            self.status.error(exc)
            return
        self.progress.setValue(self.progress.maximum())
        self.status.info("\n".join(summary.lines()))
        self.on_done()
