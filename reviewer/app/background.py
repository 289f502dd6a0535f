"""Slow library calls (Argon2id at unlock, verifying and merging a bundle at import) on a
worker thread, so the window keeps repainting, its progress bar moves and it does not look
hung while they run.

One call at a time per :class:`Job`. :meth:`Job.start` runs it on a ``QThread``; its result,
or the :class:`~crypto.errors.BisikError` it raised, comes back on the GUI thread through the
``then`` / ``failed`` callbacks; any other exception is raised again there, so a bug stays as
loud as it was on the GUI thread. The call touches no widget: to report progress it emits a
signal of one, which Qt queues to the GUI thread.

The call gets the library objects it needs (the session's store, keys) to itself: the caller
disables every control that could reach them until the job has ended, and whatever closes
them (locking the window) first calls :meth:`Job.wait`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from crypto.errors import BisikError


class _Worker(QThread):
    """Runs ``work`` once and keeps what it returned or raised; ``ended`` carries itself."""

    ended = Signal(object)

    def __init__(self, work: Callable[[], Any], parent: QObject) -> None:
        super().__init__(parent)
        self.work = work
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.work()
        except BaseException as exc:  # handed to the GUI thread, raised again there
            self.error = exc
        self.ended.emit(self)


class Job(QObject):
    """At most one call running off the GUI thread; see the module docstring."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker: _Worker | None = None
        self._then: Callable[[Any], None] = lambda _result: None
        self._failed: Callable[[BisikError], None] = lambda _exc: None

    @property
    def running(self) -> bool:
        """Whether a call was started and its outcome not yet delivered."""
        return self._worker is not None

    def start(
        self,
        work: Callable[[], Any],
        then: Callable[[Any], None],
        failed: Callable[[BisikError], None],
    ) -> None:
        """Run ``work()`` on a worker thread; later, on the GUI thread, ``then(result)`` or
        ``failed(error)``. RuntimeError if a call is still running."""
        if self._worker is not None:
            raise RuntimeError("a background call is still running")
        self._then, self._failed = then, failed
        self._worker = _Worker(work, self)
        self._worker.ended.connect(self._ended)
        self._worker.start()

    def wait(self) -> None:
        """Block until the running call (if any) has ended and its outcome was delivered:
        before the window locks or closes, and in tests."""
        worker = self._worker
        if worker is not None:
            worker.wait()
            QCoreApplication.processEvents()  # its queued progress first, in order
            self._ended(worker)

    @Slot(object)
    def _ended(self, worker: _Worker) -> None:
        if worker is not self._worker:
            return  # delivered already by wait()
        worker.wait()  # it emitted ``ended`` as its last act: this returns at once
        self._worker = None
        worker.deleteLater()
        if worker.error is None:
            self._then(worker.result)
        elif isinstance(worker.error, BisikError):
            self._failed(worker.error)
        else:
            raise worker.error
