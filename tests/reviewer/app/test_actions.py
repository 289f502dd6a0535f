"""The case's action panel (``reviewer.app.actions``): linking a new report's case to the same
reporter's old case from the app (SPEC §15)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from tests.reviewer.helpers import PASSPHRASE, Org, make_report, write_export

from .helpers import import_bundle, open_case, unlock, window


def test_link_is_signed_queued_and_shown_both_ways(team: Org, qtbot: QtBot, tmp_path: Path) -> None:
    bundle = tmp_path / "export.bisik"
    old, new = (
        make_report(team.directory(), ["ayu", "budi"], text=f"laporan {n}")
        for n in ("lama", "baru")
    )
    write_export(bundle, team.server_key, [old, new])
    ws = unlock(qtbot, window(qtbot, team.lead.home), PASSPHRASE)
    import_bundle(ws, bundle)
    view = open_case(ws, new.case_id)
    panel = view.panel
    panel.link_to.setCurrentIndex(panel.link_to.findData(old.case_id))
    panel.link_share.setChecked(True)
    panel.link_button.click()
    view = ws.cases.view
    assert view is not None and not view.status.failed, view.status.text()
    (link,) = view.case.links()
    assert link.other == old.case_id and link.share
    pending = ws.session.store.meta["pending"]
    assert [p["kind"] for p in pending] == ["link"]
    back = open_case(ws, old.case_id)
    shown = " ".join(w.text() for w in back.body.findChildren(QLabel))
    assert new.case_id in shown.replace("\u200b", "")  # "linked from" on the old case
