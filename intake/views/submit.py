"""The submit form, its no-JavaScript POST (sealed on arrival) and the receipt page after it.

The receipt exists nowhere but on that page (the server keeps only a keyed tag of its lookup
id), so the page has no way out that would lose it: no menu, a language switch that posts the
receipt back and shows the same page in the other language, and one exit — the reporter types
the receipt's last group to show it is written down. These routes store nothing; the receipt
they are posted passes through memory for the request, as it did when the no-JS path made it.
"""

from __future__ import annotations

import hmac
import io

import qrcode
import qrcode.image.svg
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    make_response,
    render_template,
    request,
)

from crypto import receipt
from crypto.errors import ReceiptError
from crypto.report_schema import PROVINCES

from .. import form_tokens, forms, i18n, security
from ..bodies import body_of_request, streams_body
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
        incident_years=forms.incident_years(),
        default_year=forms.default_election_year(),
        reviewers=directory.active_reviewers(),
        retention_days=current().config.retention_days,
        submission_field=form_tokens.FIELD,
        submission_token=form_tokens.issue(),  # single use: a reload of the receipt page is caught
    )


@bp.post("/submit")
@streams_body
def submit_post() -> str:
    """Seal the report as it arrives, then show the receipt once."""
    tokens = current_app.extensions.get("bisik_form_tokens")
    accepted = submit_report(current(), body_of_request(), security.csrf_ok, tokens)
    return _receipt_page(accepted.receipt, accepted.channel)


def _receipt_page(code: str, channel: str, *, wrong_group: bool = False) -> str:
    return render_template(
        "receipt.html",
        receipt=code,
        channel=channel,
        wrong_group=wrong_group,
        retention_days=current().config.retention_days,
    )


def _posted_receipt() -> tuple[str, str]:
    """The receipt and channel the receipt page posted back (400 if not a valid receipt)."""
    try:
        code = receipt.display(receipt.normalize(request.form.get("receipt", "")))
    except ReceiptError:
        abort(400)
    channel = request.form.get("channel", "")
    return code, channel if channel in ("browser", "server") else "server"


@bp.post("/receipt/language")
def receipt_language() -> Response:
    """The same receipt page in the chosen language; sets only the language cookie."""
    code, channel = _posted_receipt()
    lang = request.form.get("lang", "")
    if lang not in i18n.LANGUAGES:
        abort(400)
    g.lang = lang
    response = make_response(_receipt_page(code, channel))
    i18n.set_cookie(response, lang, secure=request.is_secure)
    return response


@bp.post("/receipt/done")
def receipt_done() -> str | tuple[str, int]:
    """Leave the receipt page once the reporter typed the receipt's last group correctly."""
    code, channel = _posted_receipt()
    typed = receipt.symbols(request.form.get("last_group", "")[:32])
    if not hmac.compare_digest(typed.encode(), code.rsplit("-", 1)[1].encode()):
        return _receipt_page(code, channel, wrong_group=True), 422
    return render_template("receipt_done.html", retention_days=current().config.retention_days)


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
