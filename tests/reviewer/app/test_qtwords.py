"""Qt's own texts (the file dialog a reviewer picks a bundle with, standard buttons) in
Indonesian: reviewer.app.qtwords over reviewer/i18n/qt.json."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtWidgets import QAbstractButton, QApplication, QFileDialog, QLabel, QWidget
from pytestqt.qtbot import QtBot

from reviewer.app import qtwords

from .helpers import window

# Qt's strings that are not words: key names and sequences, the layout-direction marker
NOT_WORDS = {"Alt+Left", "Alt+Right", "Alt+Up"}
NOT_WORD_CONTEXTS = {"QShortcut", "QGuiApplication"}


class Recorder(QTranslator):
    """Remembers every (context, source) Qt asks for, and answers nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[tuple[str, str]] = set()

    def translate(
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        self.asked.add((context, source))
        return None  # a null string: Qt asks the next translator

    def isEmpty(self) -> bool:
        return False


def _dialog(qtbot: QtBot, mode: str) -> QFileDialog:
    dialog = QFileDialog(None)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    if mode == "save":
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    if mode == "folder":
        dialog.setFileMode(QFileDialog.FileMode.Directory)
    qtbot.addWidget(dialog)
    dialog.show()
    QCoreApplication.processEvents()
    return dialog


def _texts(widget: QWidget) -> set[str]:
    labels = {w.text() for w in widget.findChildren(QLabel)}
    return labels | {b.text() for b in widget.findChildren(QAbstractButton)}


@pytest.fixture
def app_words(qtbot: QtBot, tmp_path: Path) -> Iterator[None]:
    window(qtbot, tmp_path / "home")  # the window installs the translator
    yield


def test_file_dialog_speaks_indonesian(
    app_words: None, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BISIK_LANG", "id")
    texts = _texts(_dialog(qtbot, "open"))
    assert {"&Lihat di:", "&Nama berkas:", "&Jenis berkas:", "&Buka", "Batal"} <= texts, texts
    assert not {"&Look in:", "File &name:", "&Open", "Cancel"} & texts


def test_english_keeps_qts_own_words(
    app_words: None, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BISIK_LANG", "en")
    texts = _texts(_dialog(qtbot, "save"))
    assert {"&Look in:", "File &name:", "&Save", "Cancel"} <= texts, texts


def test_a_text_without_indonesian_keeps_qts_english(
    app_words: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BISIK_LANG", "id")
    assert QCoreApplication.translate("QFileDialog", "&Look in:") == "&Lihat di:"
    assert QCoreApplication.translate("QFileDialog", "A text qt.json lacks") == (
        "A text qt.json lacks"  # never blank
    )


def test_every_word_the_dialogs_ask_for_has_indonesian(qtbot: QtBot) -> None:
    """A Qt upgrade that adds a text to its file dialogs fails here until qt.json has it."""
    recorder = Recorder()
    app = QApplication.instance()
    assert app is not None
    app.installTranslator(recorder)
    try:
        for mode in ("open", "save", "folder"):
            _dialog(qtbot, mode).close()
    finally:
        app.removeTranslator(recorder)
    known = qtwords.words()
    missing = sorted(
        (context, source)
        for context, source in recorder.asked
        if context not in NOT_WORD_CONTEXTS
        and source not in NOT_WORDS
        and source not in known.get(context, {})
    )
    assert recorder.asked and missing == []
