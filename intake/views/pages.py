"""Landing page, the no-JavaScript language switch and the signed directory for browsers."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request
from werkzeug.wrappers import Response as WerkzeugResponse

from .. import i18n
from ..state import current

bp = Blueprint("pages", __name__)

# Where the language switch may send the reporter back to: our own pages only.
RETURN_PATHS = frozenset({"/", "/submit", "/followup", "/proof"})


@bp.get("/")
def landing() -> str:
    """What Bisik is, who reads reports, what anonymity means here, safety advice."""
    directory = current().directory()
    return render_template(
        "landing.html",
        org_name=directory.org_name,
        reviewers=directory.active_reviewers(),
        retention_days=current().config.retention_days,
    )


@bp.get("/lang/<code>")
def language(code: str) -> WerkzeugResponse:
    """Set the ``lang`` cookie (:func:`intake.i18n.set_cookie`) and go back to a known page."""
    if code not in i18n.LANGUAGES:
        code = i18n.DEFAULT
    back = request.args.get("next", "/")
    response = redirect(back if back in RETURN_PATHS else "/", code=303)
    i18n.set_cookie(response, code, secure=request.is_secure)
    return response


@bp.get("/directory.json")
def directory_json() -> Response:
    """The signed reviewer directory exactly as issued; the browser verifies it itself."""
    return Response(current().directory_bytes(), mimetype="application/json")
