"""Resumable uploads of browser-sealed evidence: open, resume, store a piece, finish.

Built for Tor's latency: the browser keeps ``PARALLEL`` pieces of ``PIECE`` bytes in flight,
so pieces arrive in any order; each is stored at its offset with bounded work (no fsync, the
database only read, see :mod:`vault.uploads`), and ``GET`` tells a resuming browser which
ranges are stored. The browser chooses the upload's token, so it knows the id
(:func:`vault.uploads.upload_id_for`), and whichever of its first pieces arrives first opens
the upload (no round trip to open it; ``POST /uploads`` opens one explicitly for other
clients). The bytes are ciphertext only. The piece at offset 0 must begin with a
whole envelope header naming only active reviewers. The piece that completes the upload
finishes it (no separate round trip): the server completes the SHA-256 it kept on the way
(the blob's address), checks that the length is one a writer makes, and answers with the
address and a claim that lets a report or message attach the blob. ``finish`` gives the same
answer again, for a browser whose answer to that piece was lost (and for older clients).
Leaks: ciphertext sizes and how many pieces a session sent (limiter counters).
"""

from __future__ import annotations

import re
import secrets

from flask import Blueprint, Response, jsonify, request

from crypto import inspection
from crypto.encoding import b64u_encode
from vault.blobstore import BlobRef
from vault.errors import BlobNotFoundError, UploadGapError, UploadNotFoundError
from vault.uploads import PieceStored, upload_id_for

from .. import free_space
from ..charges import OPEN_UPLOAD, charge
from ..state import Intake, current
from .claims import claim
from .envelopes import check_header, check_length, reviewer_keys
from .errors import STATUS, ApiError, refusal, vault_call
from .inputs import json_object, upload_id, upload_owner

bp = Blueprint("uploads", __name__)

# Over Tor (round trip ~0.4-1 s, a few MB/s) three 2 MiB pieces in flight keep the circuit
# busy while one answer is on its way back; a dropped connection costs at most 6 MiB again.
PIECE = 2 << 20  # what the browser sends per PUT
PARALLEL = 3  # pieces the browser keeps in flight
MAX_PIECE = 8 << 20  # what the server accepts per PUT
_DIGITS = re.compile(r"[0-9]{1,15}")  # ASCII digits only: str.isdigit() also takes "²"


@bp.post("/uploads")
def start_upload() -> tuple[Response, int]:
    """Open a resumable upload of an exact ciphertext size (the server chooses the token).

    The browser does not call this: it chooses its own token and its pieces open the upload
    (:func:`put_piece`), which saves a round trip. This is for clients that want the quota
    held, or a refusal, before they send any byte. Spends the opening budget.
    """
    size = json_object().get("size")
    if not isinstance(size, int) or isinstance(size, bool):
        raise ApiError("error.malformed")
    token = secrets.token_bytes(32)
    new_id = _open(token, size)
    body = {"id": new_id, "token": b64u_encode(token), "piece": PIECE, "parallel": PARALLEL}
    return jsonify(body), 201


def _open(token: bytes, size: int) -> str:
    """Open the upload owned by ``token`` (id :func:`vault.uploads.upload_id_for`) of ``size``
    ciphertext bytes, spending the opening budget; refused before any byte if it is too large
    or would not fit now (atomically with the other openings)."""
    intake = current()
    if size <= 0:
        raise ApiError("error.malformed")
    if size > intake.config.max_upload_bytes:
        raise ApiError("error.too_large", 413)
    charge(OPEN_UPLOAD)
    free_space.ensure_upload_room(intake.config, size)
    return vault_call(lambda: free_space.start_within_quota(intake, token, size))


@bp.get("/uploads/<upload>")
def upload_offset(upload: str) -> Response:
    """What the server holds: the prefix without a hole, and every stored range."""
    intake, owner = current(), upload_owner()
    have = vault_call(lambda: intake.vault.upload_ranges(upload_id(upload), owner))
    offset = have[0][1] if have and have[0][0] == 0 else 0
    return jsonify({"offset": offset, "have": [list(r) for r in have]})


def _number(name: str) -> int:
    """The query parameter ``name`` as a whole number (ASCII digits only)."""
    text = request.args.get(name, "")
    if not _DIGITS.fullmatch(text):
        raise ApiError("error.malformed")
    return int(text)


@bp.put("/uploads/<upload>")
def put_piece(upload: str) -> Response:
    """Store one piece at ``?offset=`` (any order; resent bytes are acknowledged as stored).

    With ``&size=`` (the whole ciphertext's), a piece of an upload not open yet opens it, if
    the id is the one its token gives (:func:`vault.uploads.upload_id_for`): the browser sends
    its first pieces at once, whichever arrives first opens the upload, and no round trip is
    spent on opening (on an open upload the size is not consulted). Answers the prefix stored
    without a hole; the piece that completes the upload also gets what ``finish`` answers
    (``sha256``, ``size``, ``claim``)."""
    intake, owner = current(), upload_owner()
    upload = upload_id(upload)
    offset = _number("offset")
    size = _number("size") if "size" in request.args else None
    if request.content_length is None or request.content_length > MAX_PIECE:
        raise ApiError("error.too_large", 413)
    data = request.get_data(cache=False)
    if len(data) != request.content_length or not data:
        raise ApiError("error.malformed")
    if offset == 0:
        check_header(data, reviewer_keys(intake))
    free_space.ensure_upload_room(intake.config, len(data))  # the quota was held at opening
    try:
        stored = _store(upload, owner, offset, data, size)
    except UploadGapError as exc:
        have = vault_call(lambda: intake.vault.upload_offset(upload, owner))
        raise ApiError("error.upload_gap", 409, offset=have) from exc
    except tuple(STATUS) as exc:
        raise refusal(exc) from exc
    if stored.blob is None:
        return jsonify({"offset": stored.offset})
    return jsonify({"offset": stored.offset, **_finished(intake, stored.blob)})


def _store(upload: str, owner: bytes, offset: int, data: bytes, size: int | None) -> PieceStored:
    """Store the piece; if its upload is not open and ``size`` is given, open it first (this
    piece came first; another may be opening it at the same time, and both find the one
    session: :meth:`vault.uploads.Uploads.start`). Each piece that opens spends the opening
    budget, so a racing upload spends it up to ``PARALLEL`` times (200 an hour per session
    by default: dozens of files)."""
    vault = current().vault
    try:
        return vault.store_upload_piece(upload, owner, offset, data)
    except UploadNotFoundError:
        if size is None or upload != upload_id_for(owner):
            raise
    _open(owner, size)
    return vault.store_upload_piece(upload, owner, offset, data)


@bp.post("/uploads/<upload>/finish")
def finish_upload(upload: str) -> Response:
    """Check the size, store the blob under the SHA-256 computed here, return it and a claim.

    The same answer again if the piece that completed the upload already finished it. Any
    request body is ignored (older clients sent their own hash; it proves nothing).
    """
    intake, owner = current(), upload_owner()
    upload = upload_id(upload)
    ref: BlobRef = vault_call(lambda: intake.vault.finish_upload(upload, owner))
    return jsonify(_finished(intake, ref))


def _finished(intake: Intake, ref: BlobRef) -> dict[str, object]:
    """What a finished upload answers: its address, size and claim, once its header names
    only active reviewers and its length is one a writer makes (else it is dropped and the
    request refused; asked again, the upload is unknown)."""
    try:
        with intake.vault.blobs.open(ref.sha256) as f:
            head = f.read(inspection.MAX_HEADER_LEN)
    except BlobNotFoundError as exc:  # refused and dropped when it was finished: ask again
        raise ApiError("error.upload_unknown", 404) from exc
    check_header(head, reviewer_keys(intake))  # also checked on the first piece
    try:
        check_length(head, ref.size)
    except ApiError:
        # No writer makes this size, so no case should name these bytes: drop them now —
        # through the reference check, never by bare content address.
        intake.vault.delete_unreferenced([ref.sha256])
        raise
    return {"sha256": ref.sha256, "size": ref.size, "claim": claim(intake, ref)}
