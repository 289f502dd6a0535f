"""Generic error pages in the reporter's language; nothing of the request is echoed back.

UploadError carries the catalogue key of what went wrong with a submission (too large,
truncated, malformed, …). Every other failure maps to a page per HTTP status; unexpected
exceptions are logged by type only (see intake.logs) and shown as a plain 500 page.
"""

from __future__ import annotations

import logging

from flask import Flask, render_template
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from crypto.errors import BisikError, FormatError, SignatureError
from vault.errors import DiskFullError

from ..errors import AlreadySent, FormRefused, UploadError

log = logging.getLogger("bisik.intake")
KNOWN = {400, 403, 404, 405, 411, 413, 429, 500, 503}


def _page(key: str, status: int, *, upload: bool = False) -> tuple[str, int]:
    return render_template("error.html", problem=key, status=status, upload=upload), status


def install(app: Flask) -> None:
    """Register the handlers on ``app``."""

    @app.errorhandler(UploadError)
    def _upload(exc: UploadError) -> tuple[str, int]:
        log.info("submission refused: %s", exc.key)  # the reason only, never the content
        return _page(exc.key, exc.status, upload=True)

    @app.errorhandler(AlreadySent)
    def _again(_exc: AlreadySent) -> tuple[str, int]:
        # a reload of the receipt page re-sent the form: say so plainly, never "try again"
        return render_template("already_sent.html"), 409

    @app.errorhandler(FormRefused)
    def _refused(_exc: FormRefused) -> tuple[str, int]:
        # a multipart body sent to a view that takes a plain form: the client's fault, not ours
        return _page("error.http_400", 400)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> tuple[str, int]:
        status = exc.code or 500
        return _page(f"error.http_{status if status in KNOWN else 400}", status)

    @app.errorhandler(SignatureError)
    @app.errorhandler(FormatError)
    def _directory(exc: BisikError) -> tuple[str, int]:
        # the reviewer directory no longer verifies (expired, replaced, damaged): accept nothing
        log.error("reviewer directory unusable: %s", type(exc).__name__)
        return _page("error.unavailable", 503)

    @app.errorhandler(DiskFullError)
    def _full(_exc: DiskFullError) -> tuple[str, int]:
        # the disk filled between the free-space check and the write (another writer took
        # the room): nothing partial was kept, and the reporter is told to try later
        log.info("submission refused: disk full during the write")
        return _page("error.disk_full", 507, upload=True)

    @app.errorhandler(BisikError)
    def _bisik(exc: BisikError) -> tuple[str, int]:
        log.warning("refused: %s", type(exc).__name__)
        return _page("error.http_500", 500)

    @app.errorhandler(OperationalError)
    def _database(exc: OperationalError) -> tuple[str, int]:
        # the database is unreachable (restarting, failed over): nothing was stored, and the
        # reporter is told to send again later rather than shown an internal error
        log.error("database unreachable: %s", type(exc.orig).__name__)
        return _page("error.http_503", 503)

    @app.errorhandler(Exception)
    def _other(exc: Exception) -> tuple[str, int]:
        log.error("internal error: %s", type(exc).__name__)
        return _page("error.http_500", 500)
