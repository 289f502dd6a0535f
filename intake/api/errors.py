"""How the JSON API refuses: one exception, one JSON shape, a status per vault error.

Every refusal is ``{"error": "<catalogue key>"}`` (plus, for a gap, the stored ``offset``)
with a fitting HTTP status; the browser shows the catalogue text for the key. Nothing of the
request is echoed back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Response, jsonify
from werkzeug.exceptions import HTTPException

from crypto.errors import BisikError
from vault.errors import (
    BlobIntegrityError,
    DiskFullError,
    MissingBlobError,
    UploadGapError,
    UploadIncompleteError,
    UploadNotFoundError,
    UploadSizeError,
)

from ..errors import UploadError

_T = TypeVar("_T")

STATUS: dict[type[BisikError], tuple[int, str]] = {
    UploadNotFoundError: (404, "error.upload_unknown"),
    UploadGapError: (409, "error.upload_gap"),
    UploadSizeError: (413, "error.too_large"),
    UploadIncompleteError: (409, "error.upload_incomplete"),
    BlobIntegrityError: (422, "error.upload_integrity"),
    MissingBlobError: (422, "error.upload_integrity"),
    DiskFullError: (507, "error.disk_full"),
}


class ApiError(BisikError):
    """A refused API request: ``key`` is the catalogue entry, ``status`` the HTTP status."""

    hint = "The browser shows the catalogue text for the key; nothing of the request was kept."

    def __init__(self, key: str, status: int = 400, **extra: Any) -> None:
        super().__init__(f"api request refused: {key}")
        self.key, self.status, self.extra = key, status, extra


def error(key: str, status: int, **extra: Any) -> Response:
    """The JSON answer of a refusal."""
    response = jsonify({"error": key, **extra})
    response.status_code = status
    return response


def refusal(exc: BaseException) -> ApiError:
    """The API error for a vault error (its first matching class in ``STATUS``)."""
    status, key = next(v for k, v in STATUS.items() if isinstance(exc, k))
    return ApiError(key, status)


def vault_call(fn: Callable[[], _T]) -> _T:
    """``fn()``, with the vault errors of ``STATUS`` turned into ApiErrors."""
    try:
        return fn()
    except tuple(STATUS) as exc:
        raise refusal(exc) from exc


_HTTP_KEYS = {
    400: "error.malformed",
    403: "error.csrf",  # the app's CSRF guard refuses first; the JS refreshes its token on this
    404: "error.malformed",
    405: "error.malformed",
    411: "error.length_required",
    413: "error.too_large",
    429: "error.rate_limited",
    500: "error.server",
}


def install(bp: Blueprint) -> None:
    """Answer every refusal under ``bp`` (and its nested blueprints) as JSON."""

    @bp.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return error(exc.key, exc.status, **exc.extra)

    @bp.errorhandler(UploadError)
    def _upload_error(exc: UploadError) -> Response:  # e.g. the disk-space floor (507)
        return error(exc.key, exc.status)

    @bp.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        code = exc.code or 500
        return error(_HTTP_KEYS.get(code, "error.malformed"), code)
