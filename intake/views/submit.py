"""The submit form, its no-JavaScript POST (sealed on arrival) and the receipt's QR code."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from flask import Blueprint, Response, abort, current_app, render_template, request

from crypto import receipt
from crypto.errors import ReceiptError

from .. import forms, once, room, security
from ..app import streams_body
from ..errors import UploadError
from ..multipart import boundary_of
from ..regions import PROVINCES
from ..reports import Body, submit_report
from ..state import current

bp = Blueprint("submit", __name__)


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
    room.ensure_room(config.home, length or 0, config.min_free_bytes)  # sealed ≈ body size
    _idle_timeout(config.read_idle_seconds)
    return Body(request.stream, boundary, length)  # type: ignore[arg-type]


@bp.get("/submit")
def submit_form() -> str:
    """The report form: text fields first, file inputs last (the streaming reader needs it)."""
    directory = current().directory()
    return render_template(
        "submit.html",
        forms=forms,
        provinces=PROVINCES,
        years=forms.election_years(),
        reviewers=directory.active_reviewers(),
        submission_field=once.FIELD,
        submission_token=once.issue(),  # single use: a reload of the receipt page is caught
    )


@bp.post("/submit")
@streams_body
def submit_post() -> str:
    """Seal the report as it arrives, then show the receipt once."""
    tokens = current_app.extensions.get("bisik_once")
    accepted = submit_report(current(), body_of_request(), security.csrf_ok, tokens)
    return render_template("receipt.html", receipt=accepted.receipt, channel=accepted.channel)


@bp.post("/receipt/qr")
def receipt_qr() -> Response:
    """An SVG QR code of the receipt posted from the receipt page's hidden field; no-store."""
    try:
        code = receipt.display(receipt.normalize(request.form.get("receipt", "")))
    except ReceiptError:
        abort(400)
    image = qrcode.make(code, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    out = io.BytesIO()
    image.save(out)
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Content-Disposition"] = "inline"
    return response
