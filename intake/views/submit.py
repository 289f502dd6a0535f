"""The submit form, its no-JavaScript POST (sealed on arrival) and the receipt's QR code."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from flask import Blueprint, Response, abort, current_app, render_template, request

from crypto import receipt
from crypto.errors import ReceiptError

from .. import form_tokens, forms, security
from ..bodies import body_of_request, streams_body
from ..regions import PROVINCES
from ..reports import submit_report
from ..state import current

bp = Blueprint("submit", __name__)


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
        submission_field=form_tokens.FIELD,
        submission_token=form_tokens.issue(),  # single use: a reload of the receipt page is caught
    )


@bp.post("/submit")
@streams_body
def submit_post() -> str:
    """Seal the report as it arrives, then show the receipt once."""
    tokens = current_app.extensions.get("bisik_form_tokens")
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
