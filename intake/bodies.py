"""How request bodies are read: never buffered to disk, each type with its own cap.

* :class:`BisikRequest` (the app's request class) refuses Werkzeug's buffered multipart
  parsing, which would spool file parts to plaintext temporary files, and caps every body
  that *is* read whole (urlencoded, JSON, upload pieces) far below the upload limit.
* :func:`streams_body` marks a view that reads its multipart body itself; the CSRF guard then
  leaves the token check to the streaming reader (the body's first part).
* :func:`body_of_request` hands such a view the raw stream, after the size and disk-space
  checks, with an idle timeout on the socket.

Leaks: nothing; nothing of a body is written anywhere by this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Request, request

from . import free_space
from .errors import FormRefused, UploadError
from .multipart import boundary_of
from .reports import Body
from .state import current

FORM_MEMORY = 512 * 1024
# Every body that is not streamed (JSON, urlencoded forms, upload pieces) is read whole into
# memory by Werkzeug, so it gets a small cap of its own instead of the multipart upload limit.
SMALL_BODY = 9 << 20  # an 8 MiB piece (intake.api.uploads.MAX_PIECE) plus slack; JSON is smaller


class BisikRequest(Request):
    """A request that never spools an upload: buffered multipart parsing is refused.

    Werkzeug would write file parts over 500 KiB to plaintext temporary files. Views that
    accept files read ``request.stream`` through :mod:`intake.multipart` instead; touching
    ``request.form`` or ``request.files`` on a multipart request raises FormRefused.
    """

    max_form_memory_size = FORM_MEMORY
    max_form_parts = 200

    @property
    def max_content_length(self) -> int | None:
        """The app's upload limit for streamed multipart bodies only; far less for the rest.

        Werkzeug reads a urlencoded or JSON body whole, ignoring ``max_form_memory_size``, up
        to this limit — also a chunked body without Content-Length — so without a per-type cap
        any POST (even one without a session, in the CSRF check) could fill memory.
        """
        if self._max_content_length is not None:
            return self._max_content_length
        limit = super().max_content_length
        if self.mimetype == "multipart/form-data":
            return limit
        cap = FORM_MEMORY if self.mimetype == "application/x-www-form-urlencoded" else SMALL_BODY
        return cap if limit is None else min(limit, cap)

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def _load_form_data(self) -> None:
        if self.mimetype == "multipart/form-data":
            raise FormRefused("multipart bodies are streamed, never parsed into request.files")
        super()._load_form_data()


def streams_body(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view that reads a multipart body itself (CSRF is the body's first part)."""
    view._bisik_streams = True  # type: ignore[attr-defined]
    return view


def _idle_timeout(seconds: int) -> None:
    """Bound how long one read of the body may wait (gunicorn hands us a blocking socket with
    no timeout, so a client that opens an upload and goes silent would hold a worker thread
    forever). A read that times out ends the upload as truncated; nothing is kept. Gunicorn
    resets the socket to blocking before the connection's next request."""
    sock = request.environ.get("gunicorn.socket")
    if sock is not None and hasattr(sock, "settimeout") and seconds > 0:
        sock.settimeout(seconds)


def body_of_request() -> Body:
    """The raw multipart body of this request; the buffered parser is never used."""
    mimetype, options = request.mimetype, request.mimetype_params
    boundary = boundary_of(mimetype, options)
    length = request.content_length
    config = current().config
    if length is not None and length > config.max_upload_bytes:
        raise UploadError("error.too_large", 413)  # before Werkzeug's generic 413 can fire
    free_space.ensure_body_room(config, length or 0)  # sealed ≈ body size
    _idle_timeout(config.read_idle_seconds)
    return Body(request.stream, boundary, length)  # type: ignore[arg-type]
