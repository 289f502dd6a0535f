"""Open the documents of a large import on a worker process while the importer merges.

Opening a report (HPKE unwrap, header MAC, AES-GCM, the rules of ``crypto.document``) is about
half of an import's CPU, and each envelope opens independently of the others and of the merge.
Python runs one thread of Python code at a time, so the work goes to other processes: from the
:data:`PARALLEL_FROM`-th document on, :class:`Opener` reads the items ahead in batches, sends
each batch's document envelopes to its workers, and hands the items back in their order, each
with its opened document.

What it promises:

* The same outcome as opening in the importer: a worker runs :func:`open_document`, the
  function the importer runs for the items it opens itself (every header MAC and every tag
  verified, every document rule applied), on the same bytes.
* Items come back in the order given, each with its own result; one that is not a document
  envelope (or could not be read: the importer reads it again and reports why) has none.
* Memory: at most :data:`WINDOW` batches in flight, each at most :data:`BATCH` items, closed
  once its envelopes reach :data:`BATCH_BYTES` (documents are at most 4 MiB each).
* An error in a worker (one that is not a decryption or format failure, which are results) is
  raised at the item whose result it is; leaving the ``with`` block ends the workers.

What crosses to the workers, through pipes between processes of the same user: the reviewer's
X25519 private key (once per worker, at its start) and the envelopes; what comes back is the
parsed document. Nothing is written to disk. A worker is this interpreter in isolated mode
(``-I``: no current directory, no ``PYTHON*`` variables on its path) importing this process's
own copy of the code. Small imports never start a worker.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import IO, Any, Generic, Protocol, TypeVar

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from crypto import document as cdoc
from crypto import envelope
from crypto.errors import DecryptionError, FormatError
from crypto.keys import key_id, raw_private

from .case import DAMAGED, NOT_FOR_ME

PARALLEL_FROM = 512  # documents opened here before workers start (they take ~0.1 s to start)
BATCH = 64  # items per batch sent to a worker
BATCH_BYTES = 1 << 20  # a batch closes once its envelopes reach this
WINDOW = 4  # batches in flight
MAX_DOC_ENVELOPE = 4 << 20  # a document is at most 1 MiB of plaintext (crypto.document)

Opened = tuple[cdoc.Document | None, str | None, list[bytes]]


class Item(Protocol):
    """What the opener needs of an export item (``reviewer.importer.ExportItem``)."""

    kind: str
    size: int
    extra: Mapping[str, Any]

    def read_bytes(self) -> bytes:
        """The item's verified bytes."""


def open_document(data: bytes, key: X25519PrivateKey, my_id: bytes) -> Opened:
    """(document, None, header key ids) if ``data`` opens with ``key``, else (None, why, ids):
    ``not_for_me`` when the header names no stanza for ``my_id`` (our key's id), ``damaged``
    when it does but the envelope does not open or holds no valid document."""
    try:
        ids = envelope.recipient_ids(io.BytesIO(data))
    except (DecryptionError, FormatError):
        return None, DAMAGED, []
    if my_id not in ids:
        return None, NOT_FOR_ME, ids
    try:
        plain = envelope.unseal(data, key, max_size=cdoc.MAX_DOCUMENT)
        return cdoc.parse(plain), None, ids
    except (DecryptionError, FormatError):
        return None, DAMAGED, ids


def is_document(item: Item) -> bool:
    """An envelope the importer opens (a report or a message), small enough to be a document."""
    return (
        item.kind == "envelope"
        and item.extra.get("type", "") != "evidence"
        and item.size <= MAX_DOC_ENVELOPE
    )


def _serve(inp: IO[bytes], out: IO[bytes]) -> None:
    """The worker's loop: the key, then batches of envelopes in, their results out, in order."""
    key = X25519PrivateKey.from_private_bytes(inp.read(32))
    my_id = key_id(key.public_key())
    try:
        while (envelopes := _read_frame(inp)) is not None:
            _write_frame(out, [open_document(data, key, my_id) for data in envelopes])
            out.flush()
    except BrokenPipeError:  # the importer stopped early and stopped reading: nothing to do
        return


def _write_frame(out: IO[bytes], obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(struct.pack(">Q", len(data)) + data)


def _read_frame(inp: IO[bytes]) -> Any:
    head = inp.read(8)
    if len(head) < 8:
        return None
    (length,) = struct.unpack(">Q", head)
    data = inp.read(length)
    if len(data) != length:
        raise EOFError("a worker's frame ended early")
    return pickle.loads(data)  # noqa: S301 - written by this module's other end, never by input


_WORKER = "import sys; sys.path.insert(0, sys.argv[1]); from reviewer.opening import serve; serve()"


class _Worker:
    """One worker process: a thread feeds it batches (so neither side can block the other on
    a full pipe); results are read back in the order the batches were sent."""

    def __init__(self, secret: bytes) -> None:
        # -I: no current directory, no PYTHON* variables, no user site on the worker's path
        # (nothing lying beside the bundle can stand in for a module); then this process's code
        self._proc = subprocess.Popen(  # noqa: S603 - this interpreter, this module
            [sys.executable, "-I", "-c", _WORKER, str(Path(__file__).resolve().parent.parent)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self._in, self._out = self._proc.stdin, self._proc.stdout
        self._todo: queue.SimpleQueue[list[bytes] | None] = queue.SimpleQueue()
        self._feeder = threading.Thread(target=self._feed, args=(secret,), daemon=True)
        self._feeder.start()

    def send(self, envelopes: list[bytes]) -> None:
        self._todo.put(envelopes)

    def receive(self) -> list[Opened]:
        got = _read_frame(self._out) if self._out is not None else None
        if got is None:
            raise RuntimeError("a document worker ended early")
        result: list[Opened] = got
        return result

    def _feed(self, secret: bytes) -> None:
        if self._in is None:
            return
        with contextlib.suppress(OSError), self._in:  # OSError: it ended; receive() says so
            self._in.write(secret)
            while (envelopes := self._todo.get()) is not None:
                _write_frame(self._in, envelopes)
                self._in.flush()

    def close(self) -> None:
        """End the worker: answers not read are dropped (its writes fail and it exits)."""
        if self._out is not None:
            self._out.close()
        self._todo.put(None)
        self._feeder.join()
        self._proc.wait()


Result = Callable[[], Opened] | None
T = TypeVar("T", bound=Item)


class _Batch(Generic[T]):
    """Items read ahead, and where each one's result is once the worker's answer is in."""

    def __init__(self, worker: _Worker, key: X25519PrivateKey) -> None:
        self.items: list[tuple[T, int | None]] = []
        self.envelopes: list[bytes] = []
        self.worker, self._key = worker, key
        self._results: list[Opened] | None = None

    def result(self, slot: int) -> Opened:
        if self._results is None:
            try:
                self._results = self.worker.receive()
            except (RuntimeError, OSError, EOFError, pickle.UnpicklingError):
                # the worker is gone (killed, out of memory): open them here, same function
                my_id = key_id(self._key.public_key())
                self._results = [open_document(d, self._key, my_id) for d in self.envelopes]
        return self._results[slot]

    def drain(self) -> Iterator[tuple[T, Result]]:
        for item, slot in self.items:
            yield item, None if slot is None else partial(self.result, slot)
        if self.envelopes:  # read the answer even if no item asked: the next one is behind it
            self.result(0)


class Opener(Generic[T]):
    """Use as a context manager; :meth:`ahead` yields ``(item, result)`` in item order."""

    def __init__(self, key: X25519PrivateKey, workers: int | None = None) -> None:
        self._key = key
        self._count = workers if workers is not None else max(1, (os.cpu_count() or 1) - 1)
        self._workers: list[_Worker] = []

    def ahead(self, items: Iterable[T]) -> Iterator[tuple[T, Result]]:
        """The items in order; a document's ``result()`` is its :func:`open_document` outcome."""
        it = iter(items)
        documents = 0
        for item in it:  # the first documents open in the importer: no worker for a small import
            yield item, None
            documents += is_document(item)
            if documents >= PARALLEL_FROM:
                break
        else:
            return  # a small import: every document was opened in the importer
        try:
            self._start()
        except OSError:  # no worker can start here: open the rest in the importer
            yield from ((item, None) for item in it)
            return
        in_flight: deque[_Batch[T]] = deque()
        sent = 0
        while batch := self._fill(it, self._workers[sent % len(self._workers)]):
            sent += 1
            in_flight.append(batch)
            if len(in_flight) >= WINDOW:
                yield from in_flight.popleft().drain()
        while in_flight:
            yield from in_flight.popleft().drain()

    def _start(self) -> None:
        secret = raw_private(self._key)
        for _ in range(self._count):
            self._workers.append(_Worker(secret))

    def _fill(self, it: Iterator[T], worker: _Worker) -> _Batch[T] | None:
        """The next batch of items (None at the end), its documents sent to ``worker``."""
        batch: _Batch[T] = _Batch(worker, self._key)
        size = 0
        for item in it:
            slot = None
            if is_document(item):
                try:
                    batch.envelopes.append(item.read_bytes())
                    slot = len(batch.envelopes) - 1
                    size += item.size
                except OSError:  # the importer reads it again and records why it failed
                    pass
            batch.items.append((item, slot))
            if len(batch.items) >= BATCH or size >= BATCH_BYTES:
                break
        if not batch.items:
            return None
        if batch.envelopes:
            worker.send(batch.envelopes)
        return batch

    def __enter__(self) -> Opener[T]:
        return self

    def __exit__(self, *_: object) -> None:
        for worker in self._workers:
            worker.close()
        self._workers = []


def serve() -> None:
    """A worker's entry point (started by :class:`Opener`): answer on stdout what stdin asks."""
    _serve(sys.stdin.buffer, sys.stdout.buffer)
