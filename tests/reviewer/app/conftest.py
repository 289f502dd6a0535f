"""The desktop app's tests run on Qt's offscreen platform: no display, real widgets."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before pytest-qt makes the QApplication
os.environ.setdefault("QT_SCALE_FACTOR", "1")
