"""The tracking screen over the signed escalation chain (crypto/SPEC.md §16): a step recorded on
screen is the library's signed step, queued and carried by the outbox the app writes; a step
past its stage's deadline is shaded and listed with its reminder; a step the data refuses is
refused on screen with nothing recorded; an old local log is shown as converted steps."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import QTableWidget
from pytestqt.qtbot import QtBot

from crypto import records as crecords
from crypto import tracking as ctracking
from reviewer.app.tracking import OVERDUE
from reviewer.app.workspace import Workspace
from reviewer.cli import main
from reviewer.escalation import chain, tracking
from reviewer.escalation.chainwords import stage_label
from reviewer.store import CaseStore
from tests.reviewer.helpers import PASSPHRASE, Org, make_report, write_export
from vault.bundle import read_outbox

from .helpers import import_bundle, open_case, record_step, unlock, window

TODAY = dt.date.today()
REFERENCE = "800/123/OTDA"


def _cases(team: Org, tmp_path: Path) -> list[str]:
    reports = [make_report(team.directory(), ["ayu", "budi"]) for _ in range(2)]
    write_export(tmp_path / "export.bisik", team.server_key, reports)
    return sorted(r.case_id for r in reports)


def _workspace(team: Org, qtbot: QtBot, tmp_path: Path) -> tuple[Workspace, list[str]]:
    ids = _cases(team, tmp_path)
    win = window(qtbot, team.lead.home)
    ws = unlock(qtbot, win, PASSPHRASE)
    text = import_bundle(ws, tmp_path / "export.bisik")
    assert not ws.importer.status.failed, text
    return ws, ids


def _shaded(table: QTableWidget) -> list[int]:
    return [
        row for row in range(table.rowCount()) if table.item(row, 0).background().color() == OVERDUE
    ]


def _steps(team: Org, case_id: str) -> list[chain.Step]:
    """The case's chain read back from the store by the library (the app is locked)."""
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        return chain.chain(store.case(case_id))


def test_step_recorded_on_screen_is_signed_and_leaves_in_the_outbox(
    team: Org, qtbot: QtBot, tmp_path: Path
) -> None:
    ws, ids = _workspace(team, qtbot, tmp_path)
    open_case(ws, ids[1])
    ws.setCurrentWidget(ws.tracking)
    assert ws.tracking.case.currentData() == ids[1]  # the case open is the one shown
    assert ws.tracking.form.stage.count() == 1  # a chain starts with 'sent' only

    text = record_step(ws, ids[1], "bkn", "sent", TODAY - dt.timedelta(days=2), set_status=True)
    assert not ws.tracking.status.failed, text
    assert ws.session.store.case(ids[1]).status == ("escalated", "bkn")  # track --set-status
    assert not ws.tracking.form.escalate.isEnabled()  # 'acknowledged' hands nothing over
    text = record_step(ws, ids[1], "bkn", "acknowledged", TODAY, REFERENCE)
    assert not ws.tracking.status.failed, text
    table = ws.tracking.table
    assert table.rowCount() == 2
    assert table.item(1, 1).text() == "BKN" and table.item(1, 3).text() == REFERENCE
    assert _shaded(table) == []

    ws.setCurrentWidget(ws.outbox)
    outbox = tmp_path / "outbox.bisik"
    ws.outbox.path.line.setText(str(outbox))
    ws.outbox.button.click()
    assert not ws.outbox.status.failed, ws.outbox.status.text()
    ws.window().lock("")  # type: ignore[attr-defined]

    steps = _steps(team, ids[1])
    assert [(s.authority, s.stage, s.day, s.reference, s.by) for s in steps] == [
        ("bkn", "sent", TODAY - dt.timedelta(days=2), None, "ayu"),
        ("bkn", "acknowledged", TODAY, REFERENCE, "ayu"),
    ]
    assert _steps(team, ids[0]) == []
    with read_outbox(outbox, team.directory(), team.server_key.public_key()) as bundle:
        items = [(i.kind, i.case, i.read_bytes()) for i in bundle.items()]
    sent = [(c, raw) for kind, c, raw in items if kind == ctracking.KIND]
    statuses = [
        (c, crecords.verify(raw, team.directory(), "status")[0]["state"])
        for kind, c, raw in items
        if kind == "status"
    ]
    bodies = [crecords.verify(raw, team.directory(), ctracking.KIND)[0] for _, raw in sent]
    assert [(c, b["stage"], b["reference"]) for (c, _), b in zip(sent, bodies, strict=True)] == [
        (ids[1], "sent", None),
        (ids[1], "acknowledged", REFERENCE),
    ]
    assert {b["id"] for b in bodies} == {s.id for s in steps}
    assert statuses == [(ids[1], "escalated")]


def test_step_past_its_deadline_is_shaded_and_listed(
    team: Org, qtbot: QtBot, tmp_path: Path
) -> None:
    ws, ids = _workspace(team, qtbot, tmp_path)
    record_step(ws, ids[0], "bawaslu", "sent", TODAY - dt.timedelta(days=30))
    record_step(ws, ids[1], "bawaslu", "sent", TODAY - dt.timedelta(days=2))
    screen = ws.tracking
    assert screen.overdue == [ids[0]]  # 'sent' waits 7 days (stages.json); ids[1] is in time
    (reminder,) = [screen.reminders.item(i) for i in range(screen.reminders.count())]
    assert ids[0][:12] in reminder.text()
    screen.case.setCurrentIndex(screen.case.findData(ids[1]))
    assert _shaded(screen.table) == []
    screen.reminders.itemActivated.emit(reminder)  # Enter on the reminder shows its case
    assert screen.case.currentData() == ids[0] and _shaded(screen.table) == [0]

    record_step(ws, ids[0], "bawaslu", "acknowledged", TODAY, REFERENCE)  # the answer came
    assert screen.overdue == []
    assert screen.case.currentData() == ids[0] and _shaded(screen.table) == []


def test_step_without_its_reference_is_refused_on_screen(
    team: Org, qtbot: QtBot, tmp_path: Path
) -> None:
    ws, ids = _workspace(team, qtbot, tmp_path)
    record_step(ws, ids[0], "bkn", "sent", TODAY)
    pending = list(ws.session.store.meta["pending"])
    text = record_step(ws, ids[0], "bkn", "acknowledged", TODAY, reference="")
    assert ws.tracking.status.failed and text.strip()
    assert "--" not in text  # the app's own hint, not the command line's option
    assert ws.session.store.meta["pending"] == pending
    assert ws.tracking.table.rowCount() == 1
    ws.window().lock("")  # type: ignore[attr-defined]
    assert [s.stage for s in _steps(team, ids[0])] == ["sent"]


def test_old_local_log_is_shown_as_signed_steps(team: Org, tmp_path: Path, qtbot: QtBot) -> None:
    """A laptop that kept the old log (imported with the command line, never tracked since)
    sees it as the signed chain ``track`` would convert it into: no second table."""
    ids = _cases(team, tmp_path)
    pp = tmp_path / "pp"
    pp.write_text(PASSPHRASE)
    home = ["--home", str(team.lead.home.root), "--passphrase-file", str(pp)]
    assert main(["import", str(tmp_path / "export.bisik"), *home]) == 0
    sent = TODAY - dt.timedelta(days=19)
    with CaseStore.open(team.lead.home.store, team.lead.ident.store_key) as store:
        log = tracking.TrackingLog()
        log.record_dossier(ids[0], "Bawaslu", "ab" * 32, sent)
        log.update(ids[0], sent=sent.isoformat(), reference=REFERENCE)
        tracking.save(store, log)
    ws = unlock(qtbot, window(qtbot, team.lead.home), PASSPHRASE)
    screen = ws.tracking
    screen.case.setCurrentIndex(screen.case.findData(ids[0]))
    table = screen.table
    rows = [[table.item(r, c).text() for c in (0, 1, 2, 3)] for r in range(table.rowCount())]
    assert rows == [
        [sent.isoformat(), "Bawaslu", stage_label("sent"), "—"],
        [sent.isoformat(), "Bawaslu", stage_label("acknowledged"), REFERENCE],
    ]
    assert screen.overdue == [ids[0]]  # acknowledged 19 days ago: past its 14 days
    assert _shaded(table) == [1]
