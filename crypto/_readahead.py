"""Read-ahead: a second thread fills buffers from a file while the caller works on the last.

The mirror of ``_writebehind.py`` for the input side. Unsealing a large file is read, AES-GCM,
write per block; with the write on the write-behind thread, the read (the copy out of the
page cache) is the one step left beside the caller's crypto. pyca's AES-GCM, ``readinto``
and ``write`` all release the GIL, so the three steps of three blocks run at once.

What it promises:

* Blocks come back in file order, each filled to ``size`` bytes; only the last may be shorter
  (an empty one when the file ends exactly at a block's end). After that last block the
  thread has stopped reading.
* A block handed out by :meth:`ReadAhead.next` is not refilled until the caller gives it
  back with :meth:`ReadAhead.release`: the caller may hold several at once.
* Memory is fixed at ``count`` buffers of ``size`` bytes.
* A read error is raised in the caller at the :meth:`~ReadAhead.next` that would have
  returned the block; :meth:`~ReadAhead.close` ends the thread (it reads at most one more
  block: the source must be a regular file, whose reads never wait on another party).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

_STOP = memoryview(b"")


class ReadAhead:
    """``count`` buffers of ``size`` bytes filled in order by one reader thread."""

    def __init__(
        self, readinto: Callable[[memoryview], int | None], size: int, count: int = 4
    ) -> None:
        self._readinto = readinto
        self._free: queue.SimpleQueue[memoryview] = queue.SimpleQueue()
        for _ in range(count):
            self._free.put(memoryview(bytearray(size)))
        self._ready: queue.SimpleQueue[memoryview | BaseException] = queue.SimpleQueue()
        self._stopping = False
        self._ended = False  # the caller has seen the last block or an error
        self._thread = threading.Thread(target=self._run, name="bisik-read-ahead", daemon=True)
        self._thread.start()

    def next(self) -> memoryview:
        """The next block (full, or shorter at the end of the file); the reader's error, if any."""
        if self._ended:
            return memoryview(b"")
        item = self._ready.get()
        if isinstance(item, BaseException):
            self._ended = True
            raise item
        if len(item) < len(item.obj):  # type: ignore[arg-type]
            self._ended = True
        return item

    def release(self, block: memoryview) -> None:
        """Give back a block from :meth:`next`; its buffer may be refilled from now on."""
        self._free.put(memoryview(block.obj))

    def close(self) -> None:
        """Stop reading and end the thread (after at most the block being read)."""
        self._stopping = True
        self._free.put(_STOP)
        self._thread.join()

    def _run(self) -> None:
        try:
            while (buf := self._free.get()) is not _STOP and not self._stopping:
                got = 0
                while got < len(buf) and (n := self._readinto(buf[got:])):
                    got += n
                self._ready.put(buf[:got])
                if got < len(buf):
                    return
        except BaseException as exc:  # handed to the caller, raised there
            self._ready.put(exc)
