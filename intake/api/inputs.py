"""Reading what a browser sends to the JSON API: a bounded JSON object, base64url fields,
the upload id and the upload owner token.

Every malformed input is an :class:`~intake.api.errors.ApiError`, never an exception from a
parser: the JSON depth, the size and every field's type are checked here.
"""

from __future__ import annotations

import re
from typing import Any

from flask import request

from crypto.encoding import b64u_decode
from crypto.errors import BisikError

from .errors import ApiError

MAX_INLINE_ENVELOPE = (1 << 20) + (1 << 18)  # a padded document of at most 1 MiB (SPEC §8)
MAX_JSON = 2 * MAX_INLINE_ENVELOPE  # base64url of one envelope plus small fields
UPLOAD_TOKEN_HEADER = "X-Upload-Token"  # noqa: S105
_UPLOAD_ID = re.compile(r"^[A-Za-z0-9]{8,64}$")


def json_object() -> dict[str, Any]:
    """The request's JSON object; ApiError ``error.too_large`` or ``error.malformed``."""
    if request.content_length is not None and request.content_length > MAX_JSON:
        raise ApiError("error.too_large", 413)
    try:
        obj = request.get_json(silent=True)
    except RecursionError as exc:  # nesting deeper than the parser's stack
        raise ApiError("error.malformed") from exc
    if not isinstance(obj, dict):
        raise ApiError("error.malformed")
    return obj


def field_bytes(obj: dict[str, Any], name: str, length: int | None = None) -> bytes:
    """The base64url field ``name`` decoded (of exactly ``length`` bytes, if given)."""
    try:
        return b64u_decode(obj.get(name), length=length)  # type: ignore[arg-type]
    except BisikError as exc:
        raise ApiError("error.malformed") from exc


def upload_owner() -> bytes:
    """The upload's owner token from its header; ApiError 404 if it is not one."""
    token = request.headers.get(UPLOAD_TOKEN_HEADER, "")
    try:
        return b64u_decode(token, length=32)
    except BisikError as exc:
        raise ApiError("error.upload_unknown", 404) from exc


def upload_id(text: str) -> str:
    """``text`` if it has the form of an upload id; ApiError 404 otherwise."""
    if not _UPLOAD_ID.match(text):
        raise ApiError("error.upload_unknown", 404)
    return text
