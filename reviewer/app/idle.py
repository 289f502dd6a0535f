"""Auto-lock after a time without keyboard or mouse input, as the shell's idle timeout does.

:class:`IdleLock` watches every input event of the application; when none came for the set
number of minutes it emits :attr:`IdleLock.expired` once, and the window closes the session.
Work that is running is not cut off: an import (on its worker thread, :mod:`.background`)
is let finish before the window locks.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

_INPUT = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class IdleLock(QObject):
    """Emits ``expired`` after ``minutes`` of no input, while started."""

    expired = Signal()

    def __init__(self, minutes: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(max(1, int(minutes * 60_000)))
        self.timer.timeout.connect(self.expired.emit)

    def start(self) -> None:
        """Begin counting (after an unlock)."""
        self.timer.start()

    def stop(self) -> None:
        """Stop counting (the window is locked)."""
        self.timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Any input restarts the count; the event itself goes on unchanged."""
        if event.type() in _INPUT and self.timer.isActive():
            self.timer.start()
        return False
