"""A path field with a "choose" button (Qt's own file dialog, never the desktop's portal)."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QWidget

from ..i18n import t


class PathField(QWidget):
    """A line to type or paste a path into, and a button that opens a file dialog.
    ``mode`` ``open`` picks an existing file, ``save`` a new file name, ``folder`` a folder."""

    def __init__(self, mode: str = "open", pattern: str = "") -> None:
        super().__init__()
        self.mode, self.pattern = mode, pattern
        self.line = QLineEdit()
        button = QPushButton(t("app.choose_folder" if mode == "folder" else "app.choose_file"))
        button.clicked.connect(self.choose)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.line, 1)
        row.addWidget(button)

    def text(self) -> str:
        """The path typed or chosen, stripped."""
        return self.line.text().strip()

    def choose(self) -> None:
        """Open the file dialog (non-native: the air-gapped laptop's desktop is not trusted
        to add network places or recent-file lists)."""
        opts = QFileDialog.Option.DontUseNativeDialog
        if self.mode == "folder":
            path = QFileDialog.getExistingDirectory(self, options=opts)
        elif self.mode == "save":
            path = QFileDialog.getSaveFileName(self, filter=self.pattern, options=opts)[0]
        else:
            path = QFileDialog.getOpenFileName(self, filter=self.pattern, options=opts)[0]
        if path:
            self.line.setText(path)
