"""Incremental multipart/form-data reading for the no-JavaScript path.

Werkzeug's own form parser spools file parts larger than 500 KiB to temporary files — in
plaintext. This module is the only way the service reads a multipart body: it pulls the raw
request stream in 64 KiB pieces through ``werkzeug.sansio.multipart.MultipartDecoder`` and
hands every piece of a file part straight to a sink the caller provides (an envelope sealer),
so plaintext never touches the disk. Text fields are held in memory, bounded in size and count.

Leaks: nothing is written anywhere by this module; the caller decides what is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.sansio.multipart import (
    Data,
    Epilogue,
    Field,
    File,
    MultipartDecoder,
    NeedData,
    Preamble,
    State,
)

from .errors import UploadError

READ_SIZE = 64 * 1024
# What the decoder may hold before it finds a boundary or the end of a part's headers. Werkzeug
# buffers a preamble or a header block without limit when given no max_form_memory_size; part
# bodies are drained as they stream, so a legitimate body never holds more than ~one read.
MAX_BUFFER = 4 * READ_SIZE


class FileSink(Protocol):
    """Where the bytes of one file part go (an envelope sealer over a blob writer)."""

    def write(self, data: bytes) -> object: ...


@dataclass(frozen=True)
class Bounds:
    """Size and count limits; exceeding one raises UploadError before more is read."""

    max_body: int
    max_field: int
    max_text: int
    max_files: int
    max_parts: int = 200


class PartHandler(Protocol):
    """What the caller does with each part, in the order the browser sent them."""

    def field(self, name: str, value: str) -> None: ...

    def open_file(self, name: str, filename: str, media_type: str) -> FileSink | None: ...

    def close_file(self, sink: FileSink) -> None: ...


def _text(data: bytearray) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UploadError("error.malformed") from exc


class _Reader:
    """State of one parse: the current part, its buffer or sink, and the running totals."""

    def __init__(self, handler: PartHandler, bounds: Bounds) -> None:
        self.handler = handler
        self.bounds = bounds
        self.text_total = 0
        self.files = 0
        self.field_name: str | None = None
        self.field_buf = bytearray()
        self.sink: FileSink | None = None
        self.skipping = False

    def on_event(self, event: object) -> None:
        if isinstance(event, Field | File) and not event.name:
            # A part without a name (Content-Disposition with no ``name=``) belongs to no
            # form input: refused, never handed on with a name of None.
            raise UploadError("error.malformed")
        if isinstance(event, Field):
            self.field_name, self.field_buf = event.name, bytearray()
        elif isinstance(event, File):
            self._start_file(event)
        elif isinstance(event, Data):
            self._data(event)
        elif not isinstance(event, Preamble | Epilogue | NeedData):  # pragma: no cover
            raise UploadError("error.malformed")

    def _start_file(self, event: File) -> None:
        self.field_name = None
        base = event.filename.replace("\\", "/").rsplit("/", 1)[-1]
        name = "".join(ch for ch in base if ch.isprintable()).strip()[:255]  # no control chars
        if not name:  # an empty file input: browsers send a part with no name and no bytes
            self.skipping, self.sink = True, None
            return
        self.files += 1
        if self.files > self.bounds.max_files:
            raise UploadError("error.too_many_files", 413)
        media = (event.headers.get("Content-Type") or "application/octet-stream")[:127]
        self.skipping = False
        self.sink = self.handler.open_file(event.name, name, media)

    def _data(self, event: Data) -> None:
        if self.field_name is not None:
            self.field_buf += event.data
            self.text_total += len(event.data)
            if (
                len(self.field_buf) > self.bounds.max_field
                or self.text_total > self.bounds.max_text
            ):
                raise UploadError("error.text_too_long", 413)
            if not event.more_data:
                self.handler.field(self.field_name, _text(self.field_buf))
                self.field_name, self.field_buf = None, bytearray()
        elif self.skipping:
            if event.data:
                raise UploadError("error.malformed")
        elif self.sink is not None:
            if event.data:
                self.sink.write(event.data)
            if not event.more_data:
                self.handler.close_file(self.sink)
                self.sink = None


def _next(decoder: MultipartDecoder) -> object:
    """The decoder's next event; its complaints about the input become UploadError."""
    try:
        return decoder.next_event()
    except (ValueError, AttributeError, RequestEntityTooLarge) as exc:
        # AttributeError: Werkzeug's decoder on a part body that starts without a line break.
        # A body that ends inside a part (no closing boundary) was cut off, not malformed.
        cut = decoder.complete and decoder.state not in (State.PREAMBLE, State.EPILOGUE)
        raise UploadError("error.truncated" if cut else "error.malformed") from exc


def boundary_of(content_type: str, options: dict[str, str]) -> bytes:
    """The multipart boundary of a request, or UploadError if it is not form-data."""
    boundary = options.get("boundary", "")
    if content_type != "multipart/form-data" or not (0 < len(boundary) <= 200):  # RFC: 70
        raise UploadError("error.malformed")
    return boundary.encode("latin-1")


def stream_parts(
    read: Callable[[int], bytes] | BinaryIO,
    boundary: bytes,
    content_length: int | None,
    bounds: Bounds,
    handler: PartHandler,
) -> None:
    """Read the whole body, calling ``handler`` for each part as it completes or streams.

    Raises UploadError (``error.too_large``, ``error.truncated``, ``error.malformed``, …) on
    bad input; the caller must then abort whatever sinks it opened. Memory: one read piece,
    the decoder's look-ahead and at most ``bounds.max_text`` of text.
    """
    if content_length is None:
        raise UploadError("error.length_required", 411)
    if content_length > bounds.max_body:
        raise UploadError("error.too_large", 413)
    reader = read.read if hasattr(read, "read") else read
    decoder = MultipartDecoder(boundary, max_form_memory_size=None, max_parts=bounds.max_parts)
    state = _Reader(handler, bounds)
    received = 0
    while True:
        event = _next(decoder)
        if isinstance(event, NeedData):
            want = min(READ_SIZE, content_length - received)
            try:
                chunk = reader(want) if want > 0 else b""
            except ClientDisconnected as exc:
                raise UploadError("error.truncated") from exc
            if not chunk and received < content_length:
                raise UploadError("error.truncated")
            received += len(chunk)
            decoder.receive_data(chunk or None)  # None: the body is complete
            if len(decoder.buffer) > MAX_BUFFER:  # a boundary or header end that never comes
                raise UploadError("error.malformed")
            continue
        state.on_event(event)  # handler errors propagate as they are: they are not input faults
        if isinstance(event, Epilogue):
            break
    if state.sink is not None or state.field_name is not None:
        raise UploadError("error.truncated")
