"""The JSON API of the JavaScript path: the browser encrypts, the server stores ciphertext.

Every body the browser sends here is already an envelope (crypto/SPEC.md §3) or an opaque
identifier: the server never sees a form field, a file name, a receipt or a reply private key.

Endpoints (all under ``/api``; state-changing ones need the ``X-CSRF-Token`` header):

* ``GET  /session``               → ``{"csrf"}``: a fresh token after the session cookie expired.
* ``GET  /directory``             → the signed reviewer directory, as the organisation issued it.
* ``GET  /messages``              → the catalogue of the page's language (the JS carries no text
  of its own; the error codes below are catalogue keys).
* ``POST /uploads {"size"}``      → ``{"id", "token", "piece"}``: a resumable upload of exactly
  ``size`` ciphertext bytes. ``token`` (header ``X-Upload-Token``) is the only proof of
  ownership; the vault stores its hash.
* ``GET  /uploads/<id>``          → ``{"offset"}``: where to resume after a dropped connection.
* ``PUT  /uploads/<id>?offset=N`` → ``{"offset"}``: append a piece. A duplicate is acknowledged
  without change, an overlap appends only its new tail, a gap is refused (409,
  ``error.upload_gap``, with the stored offset). The piece at offset 0 must begin with a whole
  envelope header whose recipients include an active reviewer and nobody else.
* ``POST /uploads/<id>/finish`` → ``{"sha256", "size", "claim"}``: the size is checked, the
  bytes are moved into the blob store and the server computes their SHA-256 (the client sends
  none: it never hashes what it streams). That hash is the blob's address, which the browser
  lists as ``envelope_sha256``; the integrity guarantee is the header MAC it lists beside it
  (crypto/SPEC.md §8). ``claim`` (an HMAC under the server's key) lets the browser attach that
  blob to a report or message; unclaimed blobs cannot be attached.
* ``POST /reports {"lookup_id", "reply_public", "report", "evidence"}``: create a
  case from the report envelope (base64url) and the claimed evidence blobs. The server keeps
  only ``HMAC(pepper, lookup_id)``.
* ``POST /case {"lookup_id"}``    → statuses (signed records) and replies (record + envelope);
  the browser verifies and decrypts them. Known and unknown lookups take the same minimum time.
* ``POST /case/message {"lookup_id", "kind", "envelope", "evidence"}``: a follow-up message or
  retaliation report, sealed in the browser.
* ``POST /case/proof {"lookup_id"}`` → the server-signed proof of report (a file to keep).

Errors are JSON ``{"error": "<catalogue key>"}`` with a fitting HTTP status.

Rate limits reuse the application's flask-limiter object, keyed by the opaque session id and
by one global key — never by address or browser string, which this module never reads.

Leaks: ciphertext sizes (Padmé-padded), the recipient key ids in envelope headers, and how
many requests a session made (limiter counters only).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Sequence
from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import HTTPException

from crypto import inspection, receipt
from crypto.encoding import b64u_decode, b64u_encode
from crypto.errors import BisikError
from crypto.keys import key_id, load_x25519_public
from vault.blobstore import BlobRef
from vault.errors import (
    BlobIntegrityError,
    DiskFullError,
    DuplicateCaseError,
    MissingBlobError,
    UploadGapError,
    UploadIncompleteError,
    UploadNotFoundError,
    UploadSizeError,
)
from vault.store import CaseInfo

from . import followup, i18n, room, security
from .config import Limits
from .errors import UploadError
from .state import Intake, current

bp = Blueprint("api", __name__, url_prefix="/api")

PIECE = 1 << 20  # what the browser sends per PUT: small enough to resend over Tor
MAX_PIECE = 8 << 20  # what the server accepts per PUT
MAX_INLINE_ENVELOPE = (1 << 20) + (1 << 18)  # a padded document of at most 1 MiB (SPEC §8)
MAX_JSON = 2 * MAX_INLINE_ENVELOPE  # base64url of one envelope plus small fields
MAX_EVIDENCE = 20
PIECE_LIMITS = ("6000/hour", "60000/minute")  # per session, global: 6 GiB/hour of 1 MiB pieces
UPLOAD_TOKEN_HEADER = "X-Upload-Token"  # noqa: S105 (a header name)
_UPLOAD_ID = re.compile(r"^[A-Za-z0-9]{8,64}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_STATUS = {
    UploadNotFoundError: (404, "error.upload_unknown"),
    UploadGapError: (409, "error.upload_gap"),
    UploadSizeError: (413, "error.too_large"),
    UploadIncompleteError: (409, "error.upload_incomplete"),
    BlobIntegrityError: (422, "error.upload_integrity"),
    MissingBlobError: (422, "error.upload_integrity"),
    DiskFullError: (507, "error.server"),
}


class ApiError(BisikError):
    """A refused API request: ``key`` is the catalogue entry, ``status`` the HTTP status."""

    hint = "The browser shows the catalogue text for the key; nothing of the request was kept."

    def __init__(self, key: str, status: int = 400, **extra: Any) -> None:
        super().__init__(f"api request refused: {key}")
        self.key, self.status, self.extra = key, status, extra


def _error(key: str, status: int, **extra: Any) -> Response:
    response = jsonify({"error": key, **extra})
    response.status_code = status
    return response


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> Response:
    return _error(exc.key, exc.status, **exc.extra)


@bp.errorhandler(429)
def _too_many(_exc: Exception) -> Response:
    return _error("error.rate_limited", 429)


@bp.errorhandler(403)
def _forbidden(_exc: Exception) -> Response:
    """The app's CSRF guard refuses before our views run; the JS refreshes its token on this."""
    return _error("error.csrf", 403)


@bp.errorhandler(400)
@bp.errorhandler(404)
@bp.errorhandler(405)
def _bad_request(exc: HTTPException) -> Response:
    return _error("error.malformed", exc.code or 400)


@bp.errorhandler(500)
def _server_error(_exc: Exception) -> Response:
    return _error("error.server", 500)


@bp.errorhandler(411)
def _length_required(_exc: Exception) -> Response:
    return _error("error.length_required", 411)


@bp.errorhandler(413)
def _too_big(_exc: Exception) -> Response:
    return _error("error.too_large", 413)


@bp.before_request
def _csrf() -> Response | None:
    """CSRF on every state-changing call: the header only (the JS reads the meta tag)."""
    if request.method in security.SAFE_METHODS:
        return None
    if not security.csrf_ok(request.headers.get(security.CSRF_HEADER)):
        return _error("error.csrf", 403)
    return None


# ------------------------------------------------------------------------------ helpers
def _json() -> dict[str, Any]:
    if request.content_length is not None and request.content_length > MAX_JSON:
        raise ApiError("error.too_large", 413)
    obj = request.get_json(silent=True)
    if not isinstance(obj, dict):
        raise ApiError("error.malformed")
    return obj


def _bytes(obj: dict[str, Any], name: str, length: int | None = None) -> bytes:
    try:
        return b64u_decode(obj.get(name), length=length)  # type: ignore[arg-type]
    except BisikError as exc:
        raise ApiError("error.malformed") from exc


def _claim_key(intake: Intake) -> bytes:
    return hmac.new(intake.secrets.flask_key, b"bisik/v1 upload-claim", hashlib.sha256).digest()


def _claim(intake: Intake, ref: BlobRef) -> str:
    msg = f"{ref.sha256}:{ref.size}".encode()
    return b64u_encode(hmac.new(_claim_key(intake), msg, hashlib.sha256).digest()[:16])


def _claimed(intake: Intake, items: Any) -> list[BlobRef]:
    """BlobRefs of evidence this browser uploaded (each with a valid claim)."""
    if not isinstance(items, list) or len(items) > MAX_EVIDENCE:
        raise ApiError("error.malformed")
    refs: list[BlobRef] = []
    for item in items:
        if not isinstance(item, dict):
            raise ApiError("error.malformed")
        sha, size, claim = item.get("sha256"), item.get("size"), item.get("claim")
        if not (isinstance(sha, str) and _HEX64.match(sha) and isinstance(size, int)):
            raise ApiError("error.malformed")
        ref = BlobRef(sha, size)
        if not isinstance(claim, str) or not security.same_text(claim, _claim(intake, ref)):
            raise ApiError("error.upload_integrity", 422)
        if ref not in refs:
            refs.append(ref)
    return refs


def check_header(data: bytes, allowed: dict[bytes, str | None]) -> list[str]:
    """Validate an envelope's header prefix and stanza list without opening it.

    ``allowed`` maps permitted recipient key ids to reviewer ids (None for a key that is no
    reviewer, such as the case's reply key). At least one recipient must be a reviewer.
    Returns the reviewer ids named; ApiError ``error.bad_envelope`` otherwise.
    """
    ids = _inspect(data).recipient_ids
    if any(i not in allowed for i in ids):
        raise ApiError("error.bad_envelope", 422)
    reviewers = [r for r in (allowed[i] for i in ids) if r is not None]
    if not reviewers:
        raise ApiError("error.no_recipient", 422)
    return reviewers


def check_length(data: bytes, total: int) -> None:
    """ApiError ``error.bad_envelope`` unless ``total`` is a size a writer makes with the
    header at the start of ``data`` (:func:`crypto.inspection.plausible_size`)."""
    if not _inspect(data).plausible_size(total):
        raise ApiError("error.bad_envelope", 422)


def _inspect(data: bytes) -> inspection.HeaderInfo:
    try:
        return inspection.inspect_header(data)
    except BisikError as exc:
        raise ApiError("error.bad_envelope", 422) from exc


def _ensure_room(intake: Intake, incoming: int) -> None:
    """ApiError ``error.disk_full`` (507) if storing ``incoming`` bytes would leave the disk
    with less than ``min_free_bytes`` free (see :mod:`intake.room`)."""
    try:
        room.ensure_room(intake.config.home, incoming, intake.config.min_free_bytes)
    except UploadError as exc:
        raise ApiError(exc.key, exc.status) from exc


def _reviewer_keys(intake: Intake) -> dict[bytes, str | None]:
    return {key_id(r.keys.encryption): r.id for r in intake.directory().active_reviewers()}


def _envelope(
    obj: dict[str, Any], name: str, allowed: dict[bytes, str | None]
) -> tuple[bytes, list[str]]:
    data = _bytes(obj, name)
    if len(data) > MAX_INLINE_ENVELOPE:
        raise ApiError("error.too_large", 413)
    reviewers = check_header(data, allowed)
    check_length(data, len(data))
    return data, reviewers


def _lookup(intake: Intake, obj: dict[str, Any]) -> CaseInfo:
    """The case of a browser-derived lookup id, with the same minimum time for every answer."""
    deadline = time.monotonic() + intake.config.receipt_floor_ms / 1000
    try:
        lookup_id = _bytes(obj, "lookup_id", 32)
        case = intake.vault.case_by_lookup(receipt.lookup_tag(intake.secrets.pepper, lookup_id))
    finally:
        time.sleep(max(0.0, deadline - time.monotonic()))
    if case is None:
        raise ApiError("error.receipt_unknown", 404)
    return case


def _upload_owner() -> bytes:
    token = request.headers.get(UPLOAD_TOKEN_HEADER, "")
    try:
        return b64u_decode(token, length=32)
    except BisikError as exc:
        raise ApiError("error.upload_unknown", 404) from exc


def _refusal(exc: BaseException) -> ApiError:
    """The API error for a vault error (its first matching class in ``_STATUS``)."""
    status, key = next(v for k, v in _STATUS.items() if isinstance(exc, k))
    return ApiError(key, status)


def _vault_call(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except tuple(_STATUS) as exc:
        raise _refusal(exc) from exc


def _discard(intake: Intake, refs: Sequence[BlobRef]) -> None:
    for ref in refs:
        intake.vault.blobs.delete(ref.sha256)


# ------------------------------------------------------------------------------ views
@bp.get("/session")
def session_token() -> Response:
    """A CSRF token for this (possibly new) session."""
    return jsonify({"csrf": security.csrf_token()})


@bp.get("/directory")
def directory() -> Response:
    """The signed directory, byte for byte; the browser verifies it against the pinned root."""
    return Response(current().directory_bytes(), mimetype="application/json")


@bp.get("/messages")
def messages() -> Response:
    """Every catalogue entry in the page's language, for the JS path's texts and errors."""
    lang = i18n.pick(request.cookies.get(i18n.COOKIE))
    return jsonify({"lang": lang, "messages": i18n.catalogue(lang)})


@bp.post("/uploads")
def start_upload() -> tuple[Response, int]:
    """Open a resumable upload of an exact ciphertext size."""
    intake = current()
    size = _json().get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise ApiError("error.malformed")
    if size > intake.config.max_upload_bytes:
        raise ApiError("error.too_large", 413)
    _ensure_room(intake, size)
    token = secrets.token_bytes(32)
    upload_id = _vault_call(lambda: intake.vault.start_upload(owner=token, total_size=size))
    return jsonify({"id": upload_id, "token": b64u_encode(token), "piece": PIECE}), 201


def _upload_id(upload_id: str) -> str:
    if not _UPLOAD_ID.match(upload_id):
        raise ApiError("error.upload_unknown", 404)
    return upload_id


@bp.get("/uploads/<upload_id>")
def upload_offset(upload_id: str) -> Response:
    """How many bytes the server holds: the browser resumes from here."""
    intake, owner = current(), _upload_owner()
    offset = _vault_call(lambda: intake.vault.upload_offset(_upload_id(upload_id), owner))
    return jsonify({"offset": offset})


@bp.put("/uploads/<upload_id>")
def put_piece(upload_id: str) -> Response:
    """Append one piece at ``?offset=``; duplicates are idempotent, gaps refused."""
    intake, owner = current(), _upload_owner()
    upload_id = _upload_id(upload_id)
    offset_text = request.args.get("offset", "")
    if not offset_text.isdigit() or len(offset_text) > 15:
        raise ApiError("error.malformed")
    offset = int(offset_text)
    if request.content_length is None or request.content_length > MAX_PIECE:
        raise ApiError("error.too_large", 413)
    data = request.get_data(cache=False)
    if len(data) != request.content_length or not data:
        raise ApiError("error.malformed")
    if offset == 0:
        check_header(data, _reviewer_keys(intake))
    _ensure_room(intake, len(data))
    try:
        new = intake.vault.append_upload(upload_id, owner, offset, data)
    except UploadGapError as exc:
        stored = _vault_call(lambda: intake.vault.upload_offset(upload_id, owner))
        raise ApiError("error.upload_gap", 409, offset=stored) from exc
    except tuple(_STATUS) as exc:
        raise _refusal(exc) from exc
    return jsonify({"offset": new})


@bp.post("/uploads/<upload_id>/finish")
def finish_upload(upload_id: str) -> Response:
    """Check the size, store the blob under the SHA-256 computed here, return it and a claim.

    Any request body is ignored (older clients sent their own hash; it proves nothing).
    """
    intake, owner = current(), _upload_owner()
    upload_id = _upload_id(upload_id)
    ref: BlobRef = _vault_call(lambda: intake.vault.finish_upload(upload_id, owner))
    with intake.vault.blobs.open(ref.sha256) as f:
        head = f.read(inspection.MAX_HEADER_LEN)
    check_header(head, _reviewer_keys(intake))  # also checked on the first piece
    try:
        check_length(head, ref.size)
    except ApiError:
        # No writer makes this size, so no stored case can name these bytes: drop them now.
        intake.vault.blobs.delete(ref.sha256)
        raise
    return jsonify({"sha256": ref.sha256, "size": ref.size, "claim": _claim(intake, ref)})


@bp.post("/reports")
def submit_report() -> tuple[Response, int]:
    """Create a case from a browser-sealed report envelope and its claimed evidence."""
    intake = current()
    obj = _json()
    lookup_id = _bytes(obj, "lookup_id", 32)
    reply_public = _bytes(obj, "reply_public", 32)
    try:
        load_x25519_public(reply_public)
    except (BisikError, ValueError) as exc:
        raise ApiError("error.malformed") from exc
    evidence = _claimed(intake, obj.get("evidence", []))
    data, reviewers = _envelope(obj, "report", _reviewer_keys(intake))
    _ensure_room(intake, len(data))
    ref = intake.vault.blobs.put_bytes(data)
    try:
        intake.vault.create_case(
            lookup_tag=receipt.lookup_tag(intake.secrets.pepper, lookup_id),
            reply_public=reply_public, recipients=reviewers, report_blob=ref,
            evidence=evidence, channel="browser",
        )  # fmt: skip
    except DuplicateCaseError as exc:
        _discard(intake, [ref])
        raise ApiError("error.duplicate", 409) from exc
    except MissingBlobError as exc:
        _discard(intake, [ref])
        raise ApiError("error.upload_integrity", 422) from exc
    return jsonify({"ok": True, "channel": "browser"}), 201


@bp.post("/case")
def case() -> Response:
    """Signed statuses and replies of the case a lookup id opens, for the browser to verify."""
    intake = current()
    info = _lookup(intake, _json())
    history = intake.vault.case_history(info.id)
    replies = []
    for record, blob in history.replies:
        with intake.vault.blobs.open(blob.sha256) as f:
            replies.append({"record": record.decode(), "envelope": b64u_encode(f.read())})
    sent = [e.kind for e in history.entries if e.kind in ("message", "retaliation")]
    return jsonify({
        "case": info.id, "received_day": info.received_day.isoformat(),
        "recipients": list(info.recipients),
        "statuses": [r.decode() for r in history.statuses], "replies": replies,
        "sent_messages": sent.count("message"), "sent_retaliation": sent.count("retaliation"),
    })  # fmt: skip


@bp.post("/case/proof")
def case_proof() -> Response:
    """The server-signed proof of report (UTC day + report envelope hash), to keep."""
    intake = current()
    info = _lookup(intake, _json())
    response = Response(followup.proof(intake, info), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="bisik-proof.json"'
    return response


@bp.post("/case/message")
def case_message() -> tuple[Response, int]:
    """Store a follow-up sealed in the browser to the case's reviewers (and its reply key)."""
    intake = current()
    obj = _json()
    kind = obj.get("kind")
    if kind not in ("message", "retaliation"):
        raise ApiError("error.malformed")
    info = _lookup(intake, obj)
    allowed = _reviewer_keys(intake)
    allowed[key_id(load_x25519_public(info.reply_public))] = None
    evidence = _claimed(intake, obj.get("evidence", []))
    data, _ = _envelope(obj, "envelope", allowed)
    _ensure_room(intake, len(data))
    ref = intake.vault.blobs.put_bytes(data)
    try:
        intake.vault.add_message(info.id, kind=kind, blob=ref, evidence=evidence)
    except MissingBlobError as exc:
        _discard(intake, [ref])
        raise ApiError("error.upload_integrity", 422) from exc
    return jsonify({"ok": True, "channel": "browser"}), 201


# ------------------------------------------------------------------------------ limits
def _session_key() -> str:
    return "sid:" + security.session_id()


def _global_key() -> str:
    return "global"


_BUDGETS: dict[str, tuple[str, str]] = {
    "submit_report": ("submit_session", "submit_global"),
    "case_message": ("submit_session", "submit_global"),
    "start_upload": ("upload_session", "upload_global"),
    "finish_upload": ("upload_session", "upload_global"),
    "case": ("receipt_session", "receipt_global"),
    "case_proof": ("receipt_session", "receipt_global"),
}


@bp.record_once
def _limit(state: BlueprintSetupState) -> None:
    """Wrap the views in the app's limiter (if it has one), keyed by session and globally."""
    app = state.app
    limiters = app.extensions.get("limiter")
    if not limiters:
        return
    limiter = next(iter(limiters))
    state_obj = app.extensions.get("bisik")
    limits = state_obj.config.limits if state_obj is not None else Limits()
    for endpoint, view in list(app.view_functions.items()):
        if not endpoint.startswith(bp.name + "."):
            continue
        name = endpoint.split(".", 1)[1]
        if name in _BUDGETS:
            per_session, overall = (getattr(limits, f) for f in _BUDGETS[name])
        elif name in ("put_piece", "upload_offset"):
            per_session, overall = PIECE_LIMITS
        else:
            continue
        view = limiter.limit(per_session, key_func=_session_key, scope="api-" + name)(view)
        view = limiter.limit(overall, key_func=_global_key, scope="api-" + name)(view)
        app.view_functions[endpoint] = view
