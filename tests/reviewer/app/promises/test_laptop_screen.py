"""Every screen of the app fits the 1366×768 laptop screen, saved as PNG for review; with a
large system font the unlock screen, every tab and the first-run set-up screen still fit.

The pictures go to ``$BISIK_APP_SCREENSHOTS`` when set (``docs/screenshots/app`` holds the
committed set: ``BISIK_APP_SCREENSHOTS=docs/screenshots/app pytest
tests/reviewer/app/promises/test_laptop_screen.py``), else to the test's temporary directory.
Each is checked to be the laptop size: a screen whose content needs more room would have grown
the window.

The promise: docs/REVIEWER.md §3a (every screen fits a 1366×768 laptop screen, also with a
large system font).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from PIL import Image
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from tests.reviewer.helpers import (
    PASSPHRASE,
    PROFILE,
    Org,
    jpeg_with_gps,
    make_report,
    status_by,
    write_export,
)

from ..helpers import SIZE, import_bundle, open_case, record_step, unlock, window

PLACES = ("Jawa Tengah", "Lampung", "Sumatera Utara", "Jawa Timur", "Bali", "Aceh")
CATEGORIES = (
    "mobilisation",
    "social_media",
    "state_facilities",
    "mobilisation",
    "retaliation",
    "social_media",
)


def _shot(widget: QWidget, folder: Path, name: str) -> Path:
    """Save ``widget`` as an indexed-colour PNG (small enough to commit)."""
    path = folder / f"{name}.png"
    QApplication.processEvents()  # let the layouts settle, as a person would see them
    widget.grab().save(str(path))
    with Image.open(path) as image:
        assert image.size == SIZE, f"{name} is {image.size}, not {SIZE}"
        small = image.convert("RGB").quantize(colors=128)
    small.save(path, optimize=True)
    return path


def _bundle(team: Org, tmp_path: Path) -> tuple[Path, str]:
    photo = jpeg_with_gps(tmp_path / "foto.jpg").read_bytes()
    reports = [
        make_report(
            team.directory(),
            ["ayu", "budi"],
            received=f"2026-11-{10 + n:02d}",
            evidence_data=[photo],
            consent={"authorities": ["bkn", "bawaslu"]},
            fields={
                "category": cat,
                "province": place,
                "election": "pilkada",
                "election_year": "2024",
                "incident_month": "2024-10",
                "description": f"Camat memerintahkan ASN kecamatan ikut apel pemenangan ({n}); "
                "perintah lewat grup WhatsApp dari nomor 0812-3456-7890.",
            },
        )
        for n, (cat, place) in enumerate(zip(CATEGORIES, PLACES, strict=True))
    ]
    records = {
        r.case_id: [("status", status_by(team.colleague, r.case_id, "in_review"))]
        for r in reports[1:]
    }
    path = tmp_path / "export-2026-11-20.bisik"
    write_export(path, team.server_key, reports, records_by_case=records)
    return path, reports[0].case_id


def test_every_screen_at_laptop_size(team: Org, qtbot: QtBot, tmp_path: Path) -> None:
    folder = Path(os.environ.get("BISIK_APP_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    bundle, first = _bundle(team, tmp_path)
    win = window(qtbot, team.lead.home)
    qtbot.waitExposed(win)
    shots = [_shot(win, folder, "01-unlock")]
    ws = unlock(qtbot, win, PASSPHRASE)
    import_bundle(ws, bundle)
    shots.append(_shot(win, folder, "02-import"))
    ws.setCurrentWidget(ws.cases)
    shots.append(_shot(win, folder, "03-case-list"))
    view = open_case(ws, first)
    shots.append(_shot(win, folder, "04-case"))
    view.preview(1)
    assert view.pages.shown
    scroll = view.body.parentWidget().parentWidget()
    scroll.ensureWidgetVisible(view.pages)  # type: ignore[attr-defined]
    shots.append(_shot(win, folder, "05-evidence-preview"))
    view.panel.escalate_button.click()
    wizard = view.panel.wizard
    assert wizard is not None
    wizard.resize(*SIZE)
    page = wizard.authority_page
    page.authority.setCurrentIndex(page.authority.findData("bkn"))
    shots.append(_shot(wizard, folder, "06-escalation-authority"))
    wizard.next()
    shots.append(_shot(wizard, folder, "07-escalation-redaction"))
    wizard.next()
    assert wizard.preview_page.pages.shown, wizard.preview_page.summary.text()
    shots.append(_shot(wizard, folder, "08-escalation-preview"))
    wizard.preview_page.out.setText(str(tmp_path / "dossier"))
    wizard.accept()
    ws.setCurrentWidget(ws.outbox)
    ws.outbox.path.line.setText(str(tmp_path / "outbox.bisik"))
    shots.append(_shot(win, folder, "09-outbox"))
    today = dt.date.today()
    other = next(c for c in ws.cases.list.ids if c != first)
    record_step(ws, other, "bkn", "sent", today - dt.timedelta(days=20))
    record_step(ws, other, "bkn", "acknowledged", today - dt.timedelta(days=18), "800/123/BKN")
    record_step(ws, first, "bkn", "sent", today - dt.timedelta(days=12))  # overdue: pink
    ws.tracking.case.setCurrentIndex(ws.tracking.case.findData(first))
    assert ws.tracking.table.rowCount() == 1 and ws.tracking.overdue == sorted([first, other])
    shots.append(_shot(win, folder, "10-tracking"))
    ws.setCurrentWidget(ws.stats)
    ws.stats.compute()
    assert not ws.stats.status.failed, ws.stats.status.text()
    shots.append(_shot(win, folder, "11-statistics"))
    ws.setCurrentWidget(ws.org)
    shots.append(_shot(win, folder, "12-organisation"))
    assert all(p.stat().st_size < 400_000 for p in shots)


def test_setup_screen_at_laptop_size(qtbot: QtBot, tmp_path: Path) -> None:
    folder = Path(os.environ.get("BISIK_APP_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    win = window(qtbot, tmp_path / "citra")
    setup = win.setup
    assert setup is not None
    setup.kdf_profile = PROFILE
    setup.reviewer_id.setText("citra")
    setup.name.setText("Citra Dewi")
    setup.secret.setText(PASSPHRASE)
    setup.again.setText(PASSPHRASE)
    setup.make_key()
    setup.job.wait()
    assert setup.trust.isEnabled(), setup.status.text()
    qtbot.waitExposed(win)
    assert _shot(win, folder, "00-setup").stat().st_size < 400_000


def test_every_tab_fits_with_a_large_font(team: Org, qtbot: QtBot, tmp_path: Path) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    normal = app.font()
    large = app.font()
    large.setPointSizeF(normal.pointSizeF() * 1.4)
    app.setFont(large)
    try:
        bundle = tmp_path / "export.bisik"
        report = make_report(team.directory(), ["ayu", "budi"])
        write_export(bundle, team.server_key, [report])
        win = window(qtbot, team.lead.home)
        QApplication.processEvents()
        hint = win.stack.currentWidget().minimumSizeHint()  # the unlock screen
        assert win.stack.currentWidget() is win.unlock
        assert hint.width() <= SIZE[0] and hint.height() <= SIZE[1], hint
        ws = unlock(qtbot, win, PASSPHRASE)
        import_bundle(ws, bundle)
        open_case(ws, report.case_id)
        for index in range(ws.count()):
            ws.setCurrentIndex(index)
            QApplication.processEvents()
            hint = ws.currentWidget().minimumSizeHint()
            assert hint.width() <= SIZE[0] and hint.height() <= SIZE[1], (index, hint)
        assert (win.width(), win.height()) == SIZE
        fresh = window(qtbot, tmp_path / "fresh")  # no key yet: the set-up screen
        QApplication.processEvents()
        hint = fresh.stack.currentWidget().minimumSizeHint()
        assert fresh.setup is not None and fresh.stack.currentWidget() is fresh.setup
        assert hint.width() <= SIZE[0] and hint.height() <= SIZE[1], hint
        assert (fresh.width(), fresh.height()) == SIZE
    finally:
        app.setFont(normal)
