"""Follow-up with a receipt: status history, replies, new messages, retaliation, proof.

The receipt is carried in each form's body (hidden field), never in a cookie or a URL, and
is checked again — with the same timing floor — on every request.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, render_template, request

from crypto import receipt
from crypto.errors import ReceiptError

from .. import consent, forms, linked, security
from ..bodies import body_of_request, streams_body
from ..errors import UploadError
from ..followup import history, lookup, proof, proof_pdf
from ..reports import add_message, case_recipients
from ..state import current

bp = Blueprint("followup", __name__)


def _case_page(
    code: str, notice: str | None = None, consent_problem: str | None = None
) -> tuple[str, int] | str:
    state = current()
    try:
        hit = lookup(state, code)
    except ReceiptError:
        return render_template("followup.html", problem="error.receipt_typo"), 400
    if hit is None:
        return render_template("followup.html", problem="error.receipt_unknown"), 404
    case, secrets = hit
    view = history(state, case, secrets)
    return render_template(
        "case.html",
        case=view,
        receipt=receipt.display(receipt.normalize(code)),
        notice=notice,
        forms=forms,
        years=forms.election_years(),
        files=consent.evidence_choices(state.vault.case_history(case.id)),
        authorities=forms.CONSENT_CHOICES,
        linked=linked.shared_history(state, case.id),
        consent_problem=consent_problem,
    )


@bp.get("/followup")
def followup_form() -> str:
    """Enter the receipt (``id="followup-form"``)."""
    return render_template("followup.html", problem=None)


@bp.post("/followup")
def followup_post() -> tuple[str, int] | str:
    """Show the verified history of the case a receipt opens, or a generic refusal."""
    return _case_page(request.form.get("receipt", ""))


@bp.post("/followup/message")
@streams_body
def message() -> tuple[str, int] | str:
    """A new message or retaliation report, with evidence, sealed on arrival."""
    code, kind = add_message(current(), body_of_request(), security.csrf_ok)
    return _case_page(code, notice=f"notice.sent_{kind}")


@bp.post("/followup/consent")
def consent_change() -> tuple[str, int] | str:
    """Grant or withdraw consent per authority and per evidence file (crypto/SPEC.md §14)."""
    state = current()
    code = request.form.get("receipt", "")
    try:
        hit = lookup(state, code)
    except ReceiptError:
        return render_template("followup.html", problem="error.receipt_typo"), 400
    if hit is None:
        return render_template("followup.html", problem="error.receipt_unknown"), 404
    case, secrets = hit
    files = [f.sha256 for f in consent.evidence_choices(state.vault.case_history(case.id))]
    try:
        change = consent.change_from_form(request.form.to_dict(flat=False), files)
        consent.send(state, case, secrets, change, case_recipients(state, case))
    except UploadError as exc:  # nothing was stored; the page says what to change
        page = _case_page(code, consent_problem=exc.key)
        return (page[0] if isinstance(page, tuple) else page), exc.status
    return _case_page(code, notice="notice.sent_consent")


@bp.post("/followup/proof")
def proof_download() -> Response | tuple[str, int]:
    """The signed proof of report, as a file to keep."""
    state = current()
    try:
        hit = lookup(state, request.form.get("receipt", ""))
    except ReceiptError:
        return render_template("followup.html", problem="error.receipt_typo"), 400
    if hit is None:
        return render_template("followup.html", problem="error.receipt_unknown"), 404
    if request.form.get("format") == "pdf":
        response = Response(proof_pdf(state, hit[0], g.lang), mimetype="application/pdf")
        response.headers["Content-Disposition"] = 'attachment; filename="bisik-proof.pdf"'
        return response
    response = Response(proof(state, hit[0]), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="bisik-proof.json"'
    return response
