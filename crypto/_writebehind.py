"""Write-behind: a second thread writes finished buffers while the caller fills the next.

Sealing or unsealing a large file is three steps per block: read, AES-GCM, write. pyca's
AES-GCM releases the GIL for inputs of a few KiB and more, and so do file reads and writes,
so a thread that only writes (the most expensive step: the copy into the page cache) runs
beside the caller's crypto on a second core. Sealing a file then costs about what copying
it does.

What it promises:

* Pieces are written in the order given, by one thread, with the sink's ``write``.
* A buffer from :meth:`WriteBehind.take` comes back to the pool only after every piece given
  before its :meth:`WriteBehind.release` was written: the caller never overwrites data that
  is still waiting.
* Memory is fixed at ``depth`` + 1 buffers of ``size`` bytes (plus constant pieces such as
  runs of zeros, which are immutable and shared).
* A write error stops all later writes and is raised in the caller at its next
  :meth:`~WriteBehind.take` or at :meth:`~WriteBehind.close`; :meth:`~WriteBehind.abort`
  drops what was not yet written. Either way the thread has ended when they return.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

Piece = memoryview | bytes

_STOP = object()


class WriteBehind:
    """A pool of ``depth`` + 1 buffers of ``size`` bytes and one writer thread."""

    def __init__(self, write: Callable[[Piece], object], size: int, depth: int = 2) -> None:
        self._write = write
        self._free: queue.SimpleQueue[memoryview] = queue.SimpleQueue()
        for _ in range(depth + 1):
            self._free.put(memoryview(bytearray(size)))
        self._todo: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._dropping = False
        self._thread = threading.Thread(target=self._run, name="bisik-write-behind", daemon=True)
        self._thread.start()

    def take(self) -> memoryview:
        """A buffer to fill (waits while all are being written); the writer's error, if any."""
        buf = self._free.get()
        if self._error is not None:
            self._free.put(buf)
            raise self._error
        return buf

    def write(self, piece: Piece) -> None:
        """Queue ``piece`` (a view into a taken buffer, or immutable bytes) for writing."""
        self._todo.put(piece)

    def release(self, buf: memoryview) -> None:
        """Give ``buf`` back once everything queued before this call is written."""
        self._todo.put(("release", buf))

    def close(self) -> None:
        """Write everything queued, end the thread; raise the first write error, if any."""
        self._todo.put(_STOP)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def abort(self) -> None:
        """Drop what is not yet written and end the thread (on the caller's failure)."""
        self._dropping = True
        self._todo.put(_STOP)
        self._thread.join()

    def _run(self) -> None:
        while (item := self._todo.get()) is not _STOP:
            if isinstance(item, tuple):
                self._free.put(item[1])
            elif self._error is None and not self._dropping:
                try:
                    self._write(item)  # type: ignore[arg-type]
                except BaseException as exc:
                    self._error = exc
