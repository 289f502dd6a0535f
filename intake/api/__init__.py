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

Rate limits are wired by the factory (:mod:`intake.ratelimit`), keyed by the opaque session id
and by one global key — never by address or browser string, which this package never reads.

Modules: :mod:`~intake.api.public` (session, directory, messages), :mod:`~intake.api.uploads`,
:mod:`~intake.api.cases` (reports, case, proof, message); :mod:`~intake.api.inputs` reads
request bodies, :mod:`~intake.api.envelopes` checks envelopes, :mod:`~intake.api.claims`
signs finished uploads, :mod:`~intake.api.errors` shapes every refusal.

Leaks: ciphertext sizes (Padmé-padded), the recipient key ids in envelope headers, and how
many requests a session made (limiter counters only).
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from .. import security
from . import cases, errors, public, uploads

bp = Blueprint("api", __name__, url_prefix="/api")
errors.install(bp)
for _child in (public.bp, uploads.bp, cases.bp):
    bp.register_blueprint(_child)


@bp.before_request
def _csrf() -> Response | None:
    """CSRF on every state-changing call: the header only (the JS reads the meta tag)."""
    if request.method in security.SAFE_METHODS:
        return None
    if not security.csrf_ok(request.headers.get(security.CSRF_HEADER)):
        return errors.error("error.csrf", 403)
    return None


__all__ = ["bp"]
