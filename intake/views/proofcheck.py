"""Check a proof of report: paste the proof file, see what it attests, or why it fails.

Works without JavaScript. The page checks the file against the organisation's pinned root key
only (crypto.proof.verify), exactly as a third party would with the published key — the
server's own records are not consulted, so the page answers the same question an LPSK officer
or a court would ask. Nothing posted is stored or logged.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from crypto import proof as proof_format
from crypto.errors import FormatError, SignatureError

from ..state import current

bp = Blueprint("proofcheck", __name__)


@bp.get("/proof")
def verify_form() -> str:
    """The form: one text area for the proof file's content."""
    return render_template("proof_check.html", result=None, problem=None)


@bp.post("/proof")
def verify_post() -> tuple[str, int] | str:
    """What a pasted proof attests, if it verifies under the pinned root key."""
    text = request.form.get("proof", "")
    try:
        result = proof_format.verify(text.strip().encode("utf-8"), current().directory().root)
    except SignatureError:
        return render_template("proof_check.html", result=None, problem="proof.bad_signature"), 422
    except FormatError:
        return render_template("proof_check.html", result=None, problem="proof.bad_format"), 422
    return render_template("proof_check.html", result=result, problem=None)
