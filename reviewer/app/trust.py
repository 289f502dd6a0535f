"""The organisation's root key and directory on this laptop: ``org pin`` and ``org use``.

Every reviewer does this once at set-up, and ``org use`` again whenever the lead hands out a
new directory. The root key's fingerprint is shown first (:func:`reviewer.org.
root_file_fingerprint`) and pinning stays disabled until the reviewer ticks that the lead read
the same digits aloud; then :func:`reviewer.org.pin_root` and :func:`reviewer.org.
adopt_directory_file` do exactly what the commands do. A refused file changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QPushButton

from crypto.errors import BisikError

from .. import org
from ..errors import DirectoryError, ReviewerError
from ..home import Home
from ..i18n import t
from . import plain
from .files import PathField
from .status import StatusLine


class TrustBox(QGroupBox):
    """Root key file → fingerprint → tick → pin; directory file → use. ``on_changed`` runs
    after a directory was adopted (the caller shows the new one)."""

    def __init__(self, home: Home, on_changed: Callable[[], None] = lambda: None) -> None:
        super().__init__(t("app.trust.title"))
        self.home, self.on_changed = home, on_changed
        form = QFormLayout(self)
        self.root_file = PathField("open", "root.pub (*.pub);;*")
        read = QPushButton(t("app.trust.read_root"))
        read.clicked.connect(self.read_root)
        self.root_shown = plain.label("", framed=True)
        self.compared = QCheckBox(t("app.trust.compared"))
        self.compared.toggled.connect(self._may_pin)
        self.pin_button = QPushButton(t("app.trust.pin_button"))
        self.pin_button.setEnabled(False)
        self.pin_button.clicked.connect(self.pin)
        self.directory_file = PathField("open", "directory.json (*.json);;*")
        use = QPushButton(t("app.trust.use_button"))
        use.clicked.connect(self.use)
        self.status = StatusLine()
        plain.row(form, t("app.trust.root_file"), self.root_file)
        form.addRow(read)
        form.addRow(self.root_shown)
        form.addRow(self.compared)
        form.addRow(self.pin_button)
        plain.row(form, t("app.trust.directory_file"), self.directory_file)
        form.addRow(use)
        form.addRow(self.status)
        self.root_read: Path | None = None
        self.root_fp: str | None = None  # what the reviewer compared: pinned only if unchanged

    def read_root(self) -> None:
        """Show the chosen file's root fingerprint; pinning waits for the tick."""
        self.root_read = None
        self.compared.setChecked(False)
        self.root_shown.setText("")
        path = Path(self.root_file.text())
        try:
            fp = org.root_file_fingerprint(path)
        except ReviewerError as exc:
            self.status.error(exc)
        except BisikError as exc:  # crypto's own words are English: say it in the app's
            self.status.error(ReviewerError("app.trust.root_refused", detail=str(exc)))
        else:
            self.root_read, self.root_fp = path, fp
            self.root_shown.setText(plain.shown(t("app.trust.root_shown", fp=fp)))
            self.status.info("")
        self._may_pin()

    def _may_pin(self) -> None:
        self.pin_button.setEnabled(self.root_read is not None and self.compared.isChecked())

    def pin(self) -> None:
        """``org pin`` of the file read, only after the tick."""
        path = self.root_read
        if path is None or not self.compared.isChecked():
            return
        try:
            key = org.pin_root(self.home, path, expected=self.root_fp)
        except ReviewerError as exc:
            self.status.error(exc)
        except BisikError as exc:
            self.status.error(ReviewerError("app.trust.root_refused", detail=str(exc)))
        else:
            fp = org.root_fingerprint(key)
            self.status.info(t("org.pin.done") + "\n" + t("org.root_fp", fp=fp))
        self.root_read = None
        self.compared.setChecked(False)
        self._may_pin()

    def use(self) -> None:
        """``org use`` of the chosen directory file; a refusal changes nothing."""
        try:
            directory = org.adopt_directory_file(self.home, Path(self.directory_file.text()))
        except ReviewerError as exc:
            self.status.error(exc)
            return
        except BisikError as exc:
            self.status.error(DirectoryError("app.trust.directory_refused", detail=str(exc)))
            return
        self.status.info(
            t(
                "org.use.done",
                org=plain.line(directory.org_name),
                serial=directory.serial,
                expires=directory.expires.isoformat(),
            )
        )
        self.on_changed()
