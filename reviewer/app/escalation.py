"""The escalation wizard: authority and level, the reporter's consent, every identifier the
redaction finder detects shown in its context to keep or black out, then the dossier's pages
as they will be written — and only then, on the reviewer's word, the files.

It runs :mod:`reviewer.escalation.workflow`, the code ``bisik-reviewer escalate`` runs: the
same consent refusal, the same redaction rules and leak check, the same tracking entry. The
draft (decrypted shared evidence and its cleaned copies) lives in the home's private work
directory only while the wizard is open.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextEdit,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from crypto.errors import BisikError

from ..case import Case
from ..caseview import consent_label
from ..escalation import authorities, dossier, redact, workflow
from ..escalation.authorities import Authority
from ..i18n import has, t
from ..session import Session
from ..ui.terminal import safe
from . import pictures, plain
from .status import StatusLine

SPAN = QColor("#ffe08a")
CURRENT = QColor("#ff9f43")


def _field_label(name: str) -> str:
    key = f"field.{name.lstrip('_')}"
    return t(key) if has(key) else plain.line(repr(name))


class AuthorityPage(QWizardPage):
    """Where the dossier goes; complete only if the reporter consented to that authority."""

    def __init__(self, case: Case) -> None:
        super().__init__()
        self.case = case
        self.setTitle(t("app.esc.authority_title"))
        self.authority = QComboBox()
        for body in authorities.known():
            if body.recipient:
                self.authority.addItem(f"{body.name} — {body.formal}", body.code)
        self.level = QComboBox()
        self.place = QLineEdit()
        self.place.setPlaceholderText(t("app.esc.place_placeholder"))
        self.consent = plain.words("")
        form = QFormLayout(self)
        plain.row(form, t("app.esc.authority"), self.authority)
        plain.row(form, t("app.esc.level"), self.level)
        plain.row(form, t("app.esc.place"), self.place)
        form.addRow(
            plain.words(
                t("app.esc.consented", names=consent_label(sorted(case.consent_authorities)))
            )
        )
        form.addRow(self.consent)
        self.authority.currentIndexChanged.connect(self._changed)
        self._changed()

    def chosen(self) -> Authority:
        """The authority selected."""
        return authorities.get(str(self.authority.currentData()))

    def _changed(self) -> None:
        body = self.chosen()
        self.level.clear()
        for code, title in body.levels:
            self.level.addItem(f"{code}: {title.replace('{place}', '…')}", code)
        index = self.level.findData(body.default_level)
        self.level.setCurrentIndex(max(index, 0))
        ok = authorities.consented(body, self.case.consent_authorities)
        self.consent.setText(
            t("app.esc.consent_yes" if ok else "app.esc.consent_no", name=body.name)
        )
        self.consent.setStyleSheet("" if ok else "color: #8b0000; font-weight: bold")
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        """Only a consented authority lets the wizard go on."""
        return authorities.consented(self.chosen(), self.case.consent_authorities)


class RedactionPage(QWizardPage):
    """Every identifier found (:func:`reviewer.escalation.redact.find`) with a box to black
    it out (ticked by default) and its field shown below with every finding highlighted."""

    def __init__(self, case: Case) -> None:
        super().__init__()
        self.setTitle(t("app.esc.redact_title"))
        self.texts = dossier.dossier_texts(case)
        self.names = QLineEdit()
        self.names.setPlaceholderText(t("app.esc.names_placeholder"))
        again = QPushButton(t("app.esc.find_again"))
        again.clicked.connect(self.search)
        self.table = QTableWidget(0, 4)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        self.table.setHorizontalHeaderLabels(
            [t("app.esc.col_redact"), t("col.type"), t("app.esc.col_field"), t("app.esc.col_value")]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.currentCellChanged.connect(lambda row, *_: self.show_context(row))
        self.table.itemChanged.connect(self._ticked)
        self.context = QPlainTextEdit()
        self.context.setReadOnly(True)
        self.context.setMaximumHeight(140)
        self.context.setWordWrapMode(self.context.wordWrapMode().WrapAtWordBoundaryOrAnywhere)
        names_row = QHBoxLayout()
        names_row.addWidget(self.names, 1)
        names_row.addWidget(again)
        layout = QVBoxLayout(self)
        layout.addWidget(plain.words(t("app.esc.redact_intro")))
        layout.addLayout(names_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(plain.words(t("app.esc.context")))
        layout.addWidget(self.context)
        self.found: list[redact.Candidate] = []
        self.search()

    def marked_names(self) -> list[str]:
        """Names the reviewer typed (comma-separated) for the finder to look for."""
        return [n.strip() for n in self.names.text().split(",") if n.strip()]

    def search(self) -> None:
        """Run the finder over every text the dossier would carry."""
        names = self.marked_names()
        self.found = [
            c for name, text in self.texts.items() for c in redact.find(text, names, name)
        ]
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.found))
        for row, cand in enumerate(self.found):
            tick = QTableWidgetItem()
            tick.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsUserCheckable
                | Qt.ItemFlag.ItemIsSelectable
            )
            tick.setCheckState(Qt.CheckState.Checked)
            self.table.setItem(row, 0, tick)
            self.table.setItem(row, 1, plain.item(t(f"redact.kind.{cand.kind}")))
            self.table.setItem(row, 2, plain.item(_field_label(cand.field)))
            self.table.setItem(row, 3, plain.item(cand.value))
        self.table.blockSignals(False)
        if self.found:
            self.table.setCurrentCell(0, 0)
            self.show_context(0)

    def _ticked(self, changed: QTableWidgetItem) -> None:
        """One value, one decision: ticking a row ticks every row with the same value."""
        if changed.column() != 0:
            return
        key = self.found[changed.row()].key
        self.table.blockSignals(True)
        for row, cand in enumerate(self.found):
            cell = self.table.item(row, 0)
            if cand.key == key and cell is not None:
                cell.setCheckState(changed.checkState())
        self.table.blockSignals(False)

    def set_redacted(self, row: int, redacted: bool) -> None:
        """Tick (black out) or untick (keep) the finding in ``row``."""
        cell = self.table.item(row, 0)
        if cell is not None:
            cell.setCheckState(Qt.CheckState.Checked if redacted else Qt.CheckState.Unchecked)

    def show_context(self, row: int) -> None:
        """Show the field of finding ``row`` with every finding in it highlighted (plain text:
        the reporter's text is never parsed as markup; filtered characters keep their place)."""
        if not 0 <= row < len(self.found):
            return
        cand = self.found[row]
        self.context.setPlainText(safe(self.texts[cand.field]))
        marks = []
        for other in self.found:
            if other.field != cand.field:
                continue
            mark = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.context.document())
            cursor.setPosition(other.start)
            cursor.setPosition(other.end, QTextCursor.MoveMode.KeepAnchor)
            fmt = QTextCharFormat()
            fmt.setBackground(CURRENT if other is cand else SPAN)
            fmt.setFontUnderline(other is cand)
            mark.cursor, mark.format = cursor, fmt
            marks.append(mark)
        self.context.setExtraSelections(marks)

    def decisions(self) -> redact.Decisions:
        """The reviewer's answers as :class:`reviewer.escalation.redact.Decisions`."""
        names = self.marked_names()
        chosen = redact.Decisions(names=names)
        for row, cand in enumerate(self.found):
            cell = self.table.item(row, 0)
            ticked = cell is not None and cell.checkState() == Qt.CheckState.Checked
            (chosen.redact if ticked else chosen.keep).add(cand.key)
        chosen.keep -= chosen.redact
        return chosen


class PreviewPage(QWizardPage):
    """The dossier's pages as they will be written, and where to write them."""

    def __init__(self, wizard: EscalationWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(t("app.esc.preview_title"))
        self.setFinalPage(True)
        self.pages = pictures.Pages()
        self.summary = StatusLine()
        self.out = QLineEdit()
        choose = QPushButton(t("app.choose_folder"))
        choose.clicked.connect(self._choose)
        row = QHBoxLayout()
        row.addWidget(self.out, 1)
        row.addWidget(choose)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.pages, 1)
        layout.addWidget(plain.words(t("app.esc.out")))
        layout.addLayout(row)

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, t("app.esc.out"), options=QFileDialog.Option.DontUseNativeDialog
        )
        if folder:
            self.out.setText(folder)

    def initializePage(self) -> None:
        """Draft the dossier (nothing is written yet) and show its pages."""
        self.pages.clear()
        try:
            draft = self.owner.draft()
        except BisikError as exc:
            self.summary.error(exc)
            return
        self.pages.show_images(pictures.pdf_pages(draft.pdf, scale=1.3), width=720)
        self.summary.info(
            t(
                "app.esc.preview_summary",
                redacted=draft.redacted,
                attachments=len(draft.kept),
                reference=draft.dossier["reference"],
            )
        )

    def validatePage(self) -> bool:
        """Write the files (the Finish button); stay on the page with the reason if not.
        Qt may validate the last page twice (Next, then Finish): the files are written once."""
        if self.owner.result_text:
            return True
        if not self.out.text().strip():
            self.summary.info(t("app.esc.out_missing"))
            return False
        try:
            result = self.owner.publish(Path(self.out.text().strip()))
        except BisikError as exc:
            self.summary.error(exc)
            return False
        lines = workflow.written_lines(result)
        self.owner.result_text = "\n".join([*lines, t("app.esc.next_sent")])
        return True


class EscalationWizard(QWizard):
    """Three pages over one case; holds the draft between the preview and the writing."""

    def __init__(self, session: Session, case: Case, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.case = session, case
        self.setWindowTitle(t("app.esc.title", case=case.case_id[:12]))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        for button, key in (
            (QWizard.WizardButton.BackButton, "app.esc.back"),
            (QWizard.WizardButton.NextButton, "app.esc.next"),
            (QWizard.WizardButton.FinishButton, "app.esc.finish"),
            (QWizard.WizardButton.CancelButton, "app.esc.cancel"),
        ):
            self.setButtonText(button, t(key))
        self.authority_page = AuthorityPage(case)
        self.redaction_page = RedactionPage(case)
        self.preview_page = PreviewPage(self)
        for page in (self.authority_page, self.redaction_page, self.preview_page):
            self.addPage(page)
        self._stack: contextlib.ExitStack | None = None
        self._draft: dossier.Draft | None = None
        self.today = dt.date.today()
        self.result_text = ""
        self.finished.connect(lambda _code: self.discard())
        self.resize(1100, 720)

    def draft(self) -> dossier.Draft:
        """Draft the dossier with the choices of the first two pages (a previous draft is
        discarded first)."""
        self.discard()
        stack = contextlib.ExitStack()
        page = self.authority_page
        try:
            self._draft = stack.enter_context(
                workflow.draft(
                    self.session,
                    self.case.case_id,
                    page.chosen(),
                    self.redaction_page.decisions(),
                    level=str(page.level.currentData() or "") or None,
                    place=page.place.text().strip() or None,
                    today=self.today,
                )
            )
        except BaseException:
            stack.close()
            raise
        self._stack = stack
        return self._draft

    def publish(self, out_dir: Path) -> dossier.DossierResult:
        """Write the drafted dossier into ``out_dir`` and record it in the tracking log."""
        if self._draft is None:
            raise authorities.AuthorityError("no dossier was drafted")
        result = self._draft.publish(out_dir)
        workflow.record(
            self.session, self.case.case_id, self.authority_page.chosen(), result, self.today
        )
        return result

    def discard(self) -> None:
        """Remove the draft's decrypted and cleaned files from the private work directory."""
        stack, self._stack, self._draft = self._stack, None, None
        if stack is not None:
            stack.close()
