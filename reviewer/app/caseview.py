"""One case: labelled fields, signed timeline, messages and replies, retaliation reports,
the evidence list with an in-app preview of each cleaned picture or PDF, private notes, and
the actions panel.

The labels and the order come from :mod:`reviewer.caseview`, the same module ``show`` prints;
everything the reporter wrote goes through :mod:`.plain` into framed plain-text labels.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from crypto.errors import BisikError

from .. import caseview, preview
from .. import vocabulary as vocab
from ..case import NOT_FOR_ME, Case, Message
from ..i18n import t
from ..session import Session
from . import pictures, plain
from .actions import ActionsPanel
from .status import StatusLine

EVIDENCE_COLUMNS = ("app.col.no", "col.file", "col.type", "col.size", "col.share", "col.check")


def _table(heads: list[str], rows: list[tuple[object, ...]]) -> QTableWidget:
    table = QTableWidget(len(rows), len(heads))
    table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
    table.setHorizontalHeaderLabels(heads)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, plain.item(value))
    table.setMinimumHeight(min(60 + 30 * len(rows), 260))
    return table


def _section(title: str) -> tuple[QGroupBox, QVBoxLayout]:
    box = QGroupBox(title)
    return box, QVBoxLayout(box)


class CaseScreen(QWidget):
    """The view of ``case_id``; ``back`` returns to the list, ``reopen`` shows it afresh
    after an action changed it."""

    def __init__(
        self,
        session: Session,
        case_id: str,
        back: Callable[[], None],
        reopen: Callable[[str, str], None],
        message: str = "",
    ) -> None:
        super().__init__()
        self.session = session
        self.case = session.store.case(case_id)
        self.status = StatusLine()
        top = QHBoxLayout()
        back_button = QPushButton(t("app.back"))
        back_button.clicked.connect(back)
        top.addWidget(back_button)
        top.addWidget(plain.words(t("app.case_title", case=self.case.case_id[:12])), 1)
        self.body = QWidget()
        self.sections = QVBoxLayout(self.body)
        self.evidence_table: QTableWidget | None = None
        self.pages = pictures.Pages()
        self.preview_info = StatusLine()
        self._fill()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.body)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        case_id = self.case.case_id
        self.panel = ActionsPanel(
            session, self.case, self.status, changed=lambda done: reopen(case_id, done)
        )
        self.panel.setEnabled(self.case.readable)
        actions = QScrollArea()  # large system fonts: the actions scroll, the window stays
        actions.setWidgetResizable(True)
        actions.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        actions.setWidget(self.panel)
        split.addWidget(actions)
        split.setSizes([860, 480])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)
        self.status.info(message)

    def _fill(self) -> None:
        case = self.case
        if not case.readable:
            key = "show.unreadable" if case.unreadable == NOT_FOR_ME else "show.damaged"
            self.sections.addWidget(
                plain.label(t(key, case=case.case_id, recipients=", ".join(case.recipients)))
            )
            return
        self._fields(case)
        self._timeline(case)
        self._messages(case)
        self._retaliations(case)
        self._evidence(case)
        if case.notes:
            box, inner = _section(t("show.notes"))
            for note in case.notes:
                inner.addWidget(plain.words(plain.line(f"{note.at} · {note.by}")))
                inner.addWidget(plain.label(note.text, framed=True))
            self.sections.addWidget(box)
        self.sections.addStretch(1)

    def _fields(self, case: Case) -> None:
        box = QGroupBox(t("app.section.fields"))
        form = QFormLayout(box)
        rows = caseview.field_rows(case)
        rows += [
            (t("show.linked_from"), other)
            for other in caseview.linked_from(self.session.store.cases, case.case_id)
        ]
        for name, value in rows:
            form.addRow(
                plain.words(name),
                plain.label("—" if value in (None, "") else value, framed=name.startswith("·")),
            )
        others = case.other_fields()
        if others:
            form.addRow(plain.words(t("show.other_fields")))
            for name, value in others:
                form.addRow(plain.label(repr(name), framed=True), plain.label(value, framed=True))
        self.sections.addWidget(box)

    def _timeline(self, case: Case) -> None:
        box, inner = _section(t("show.timeline"))
        rows: list[tuple[object, ...]] = list(caseview.timeline(case))
        inner.addWidget(_table([t("col.when"), t("col.who"), t("col.what")], rows))
        self.sections.addWidget(box)

    def _message(self, msg: Message) -> QWidget:
        if msg.proof == "forged":
            return plain.words(t("show.msg_forged", sha=msg.sha256[:16]))
        if not msg.readable:
            key = "show.msg_unreadable" if msg.unreadable == NOT_FOR_ME else "show.msg_damaged"
            return plain.words(t(key, sha=msg.sha256[:16]))
        box = QGroupBox(
            plain.line(
                f"{msg.at} · {caseview.message_author(self.case, msg)} · "
                f"{caseview.doc_label(msg.type)}"
            )
        )
        form = QFormLayout(box)
        if msg.type == "consent":  # what a consent change grants and withdraws (SPEC §14)
            for line in caseview.consent_change(msg):
                form.addRow(plain.label(line, framed=True))
            return box
        known, others = caseview.message_fields(msg)
        for name, value in known:
            form.addRow(plain.words(name), plain.label(value, framed=True))
        if others:
            form.addRow(plain.words(t("show.other_fields")))
            for name, value in others:
                form.addRow(plain.label(repr(name), framed=True), plain.label(value, framed=True))
        return box

    def _messages(self, case: Case) -> None:
        box, inner = _section(t("show.messages"))
        for msg in case.messages:
            inner.addWidget(self._message(msg))
        if not case.messages:
            inner.addWidget(plain.words(t("app.none")))
        self.sections.addWidget(box)

    def _retaliations(self, case: Case) -> None:
        box, inner = _section(t("app.section.retaliation"))
        for fields in case.retaliations:
            form = QFormLayout()
            for name, value in sorted(fields.items()):
                label = t(f"field.{name}") if name in vocab.MESSAGE_FIELDS else repr(name)
                form.addRow(
                    plain.words(label), plain.label(caseview.value_label(name, value), framed=True)
                )
            inner.addLayout(form)
        if not case.retaliations:
            inner.addWidget(plain.words(t("app.none")))
        self.sections.addWidget(box)

    def _evidence(self, case: Case) -> None:
        box, inner = _section(t("show.evidence"))
        checks = {e.envelope_sha256: e.check for e in case.evidence_check}
        rows: list[tuple[object, ...]] = [
            (
                n,
                e.name or "—",
                e.media_type,
                e.size,
                t("yes") if e.share else t("no"),
                t(f"ev.{checks[e.envelope_sha256]}") if checks.get(e.envelope_sha256) else "—",
            )
            for n, e in enumerate(case.evidence, 1)
        ]
        self.evidence_table = _table([t(c) for c in EVIDENCE_COLUMNS], rows)
        inner.addWidget(self.evidence_table)
        button = QPushButton(t("app.preview_button"))
        button.clicked.connect(lambda: self.preview(self._chosen()))
        self.evidence_table.cellActivated.connect(lambda row, _c: self.preview(row + 1))
        inner.addWidget(button)
        inner.addWidget(plain.words(t("app.preview_note")))
        inner.addWidget(self.preview_info)
        self.pages.setMinimumHeight(360)
        inner.addWidget(self.pages)
        self.sections.addWidget(box)

    def _chosen(self) -> int:
        row = self.evidence_table.currentRow() if self.evidence_table else -1
        return row + 1 if row >= 0 else 1

    def preview(self, index: int) -> None:
        """Decrypt, clean and show evidence ``index`` (1-based); say what was removed, or
        why it is not shown (not a picture, not cleaned, executable, macros)."""
        self.pages.clear()
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            shown = preview.cleaned(
                self.session.store,
                self.session.identity.keys.encryption,
                self.case,
                index,
                self.session.home.private_workdir(),
            )
        except BisikError as exc:
            self.preview_info.error(exc)
            return
        finally:
            QApplication.restoreOverrideCursor()
        result = shown.result
        lines = [t("app.preview_format", index=index, format=result.format)]
        if result.cleaned:
            lines.append(
                t(
                    "app.preview_removed",
                    fields=", ".join(result.removed) or t("evidence.none_removed"),
                )
            )
        if result.remaining:
            lines.append(t("evidence.remaining", fields=", ".join(result.remaining)))
        lines += [t(w) for w in result.warnings]
        if shown.kind == "image":
            self.pages.show_images([pictures.image(shown.data)])
        elif shown.kind == "pdf":
            self.pages.show_images(pictures.pdf_pages(shown.data))
        else:
            lines.append(t("app.preview_not_shown"))
        self.preview_info.info("\n".join(lines))
