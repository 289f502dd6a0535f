"""Statistics: the tables and bar charts ``bisik-reviewer stats`` writes, drawn in the window
(the same SVG from :func:`reviewer.stats.render`, rendered by QtSvg), and the HTML report
saved on request. Cells under the small-cell threshold stay hidden, as in the report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtSvgWidgets import QSvgWidget
from PySide6.QtWidgets import (
    QGroupBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from crypto.errors import BisikError

from .. import stats
from ..escalation import statistics
from ..i18n import t
from ..session import Session
from . import plain
from .files import PathField
from .status import StatusLine


class StatsScreen(QWidget):
    """A button to count, the charts, and a file to save the report to."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.report: stats.Report | None = None
        self.charts: dict[str, str] = {}  # table name → the SVG drawn for it
        self.count_button = QPushButton(t("app.stats_button"))
        self.count_button.clicked.connect(self.compute)
        self.path = PathField("save", "HTML (*.html)")
        self.save_button = QPushButton(t("app.stats_save"))
        self.save_button.clicked.connect(self.save)
        self.status = StatusLine()
        self.charts_area = QScrollArea()
        self.charts_area.setWidgetResizable(True)
        layout = QVBoxLayout(self)
        layout.addWidget(plain.words(t("app.stats_intro")))
        layout.addWidget(self.count_button)
        layout.addWidget(self.status)
        layout.addWidget(self.charts_area, 1)
        layout.addWidget(self.path)
        layout.addWidget(self.save_button)

    def compute(self) -> None:
        """Count the store (:func:`reviewer.escalation.statistics.report`) and draw it."""
        try:
            self.report = statistics.report(self.session, statistics.calendar())
        except BisikError as exc:
            self.status.error(exc)
            return
        _, svgs = stats.render(self.report, "bisik", dt.date.today())
        self.charts = {}
        charts = QWidget()
        column = QVBoxLayout(charts)
        for table, svg in zip(self.report.tables, svgs.values(), strict=True):
            self.charts[table.name] = svg
            box = QGroupBox(t(f"stats.{table.name}"))
            inner = QVBoxLayout(box)
            chart = QSvgWidget()
            chart.load(QByteArray(svg.encode("utf-8")))
            chart.renderer().setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
            chart.setFixedSize(chart.renderer().defaultSize())  # drawn as the report draws it
            inner.addWidget(chart, 0, Qt.AlignmentFlag.AlignLeft)
            column.addWidget(box)
        self.charts_area.setWidget(charts)  # the new charts replace any drawn before
        self.status.info(t("app.stats_done", n=self.report.n, k=self.report.k))

    def save(self) -> None:
        """Write the HTML report and its SVG charts (``stats --out``)."""
        if self.report is None or not self.path.text():
            self.status.info(t("app.stats_save_first"))
            return
        written = stats.write(self.report, Path(self.path.text()))
        self.status.info(t("stats.written", path=self.path.text(), n=len(written)))
