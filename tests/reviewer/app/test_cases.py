"""The case list (``reviewer.app.cases``) and its filters (status, category, region, due, flagged,
assigned): each keeps the rows ``bisik-reviewer list`` with the same option keeps, through the one
filter the library owns (``reviewer.caselist``); late cases (our deadline or the authority's) are
shaded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from reviewer.app.cases import COLUMNS, LATE
from reviewer.app.workspace import Workspace
from reviewer.i18n import t
from tests.reviewer.helpers import PASSPHRASE, Org, make_report, write_export

from .helpers import import_bundle, open_case, record_step, unlock, window

TODAY = dt.date.today().isoformat()


def _fields(category: str, province: str) -> dict[str, str]:
    return {"category": category, "province": province, "description": "Atasan memerintahkan"}


def _choose(box: QComboBox, value: str | None) -> None:
    index = box.findData(value)
    assert index >= 0, value
    box.setCurrentIndex(index)


def _shown(ws: Workspace) -> set[str]:
    return set(ws.cases.list.ids)


def test_each_filter_keeps_its_cases(team: Org, qtbot: QtBot, tmp_path: Path) -> None:
    old = make_report(team.directory(), ["ayu", "budi"], fields=_fields("rally", "Aceh"))
    gap = make_report(
        team.directory(),
        ["ayu", "budi"],
        fields=_fields("social_media", "Jawa Tengah"),
        received=TODAY,
        missing=1,  # an evidence file the export lacks: the case is flagged
    )
    new = make_report(
        team.directory(), ["ayu", "budi"], fields=_fields("props", "Aceh"), received=TODAY
    )
    write_export(tmp_path / "export.bisik", team.server_key, [old, gap, new])
    ws = unlock(qtbot, window(qtbot, team.lead.home), PASSPHRASE)
    summary = import_bundle(ws, tmp_path / "export.bisik")
    assert not ws.importer.status.failed, summary

    view = open_case(ws, new.case_id)  # a status and an assignment, signed through the app
    view.panel.state.setCurrentIndex(view.panel.state.findData("in_review"))
    view.panel.status_button.click()
    view = open_case(ws, gap.case_id)
    _choose(view.panel.assignee, "budi")
    view.panel.assign_button.click()
    ws.cases.back()

    screen = ws.cases.list
    every = {old.case_id, gap.case_id, new.case_id}
    assert _shown(ws) == every
    for box, value, kept in (
        (screen.status, "in_review", {new.case_id}),
        (screen.category, "rally", {old.case_id}),
        (screen.region, "Aceh", {old.case_id, new.case_id}),
        (screen.due, "late", {old.case_id}),  # received 2026-11-20, never acknowledged
        (screen.assigned, "budi", {gap.case_id}),
    ):
        _choose(box, value)
        assert _shown(ws) == kept, (box.currentText(), _shown(ws))
        _choose(box, None)  # "all" again
        assert _shown(ws) == every
    screen.flagged.setChecked(True)
    assert _shown(ws) == {gap.case_id}
    screen.flagged.setChecked(False)
    _choose(screen.region, "Aceh")
    _choose(screen.status, "in_review")  # filters combine
    assert _shown(ws) == {new.case_id}


def _row_shading(ws: Workspace) -> dict[str, set[tuple[Qt.BrushStyle, str]]]:
    """Case id → the (style, colour) of its row's cell backgrounds, as the table's model gives
    them to the view (one pair if the whole row is alike)."""
    table = ws.cases.list.table
    model = table.model()
    shading = {}
    for row, cid in enumerate(ws.cases.list.ids):
        brushes = [
            model.data(model.index(row, col), Qt.ItemDataRole.BackgroundRole) or QBrush()
            for col in range(table.columnCount())
        ]
        shading[cid] = {(b.style(), b.color().name()) for b in brushes}
    return shading


def test_late_rows_are_shaded(team: Org, qtbot: QtBot, tmp_path: Path) -> None:
    """A case past our own acknowledgement deadline, and one whose authority is past its
    stage's deadline, are shaded pink across the row and say how late; a case in time is not."""
    today = dt.date.today()
    month_ago = (today - dt.timedelta(days=30)).isoformat()
    unanswered = make_report(team.directory(), ["ayu"], received=month_ago)
    waiting = make_report(team.directory(), ["ayu"], received=today.isoformat())
    fresh = make_report(team.directory(), ["ayu"], received=today.isoformat())
    write_export(tmp_path / "export.bisik", team.server_key, [unanswered, waiting, fresh])
    ws = unlock(qtbot, window(qtbot, team.lead.home), PASSPHRASE)
    text = import_bundle(ws, tmp_path / "export.bisik")
    assert not ws.importer.status.failed, text
    sent = today - dt.timedelta(days=30)  # 'sent' waits 7 days for an answer (stages.json)
    text = record_step(ws, waiting.case_id, "bkn", "sent", sent)
    assert not ws.tracking.status.failed, text
    ws.setCurrentWidget(ws.cases)
    ws.cases.refresh()

    shading = _row_shading(ws)
    pink = (Qt.BrushStyle.SolidPattern, LATE.name())
    assert shading[unanswered.case_id] == {pink}
    assert shading[waiting.case_id] == {pink}
    assert {style for style, _ in shading[fresh.case_id]} == {Qt.BrushStyle.NoBrush}
    table, ids = ws.cases.list.table, ws.cases.list.ids
    due = COLUMNS.index("col.due")
    assert t("due.late", n=23) in table.item(ids.index(unanswered.case_id), due).text()
    assert t("app.authority_late", n=23) in table.item(ids.index(waiting.case_id), due).text()
    assert t("app.late_count", n=2) in ws.cases.list.count.text()

    # the "late" filter keeps what is shaded: late on our deadline or at the authority
    screen = ws.cases.list
    screen.due.setCurrentIndex(screen.due.findData("late"))
    screen.refresh()
    assert set(screen.ids) == {unanswered.case_id, waiting.case_id}
