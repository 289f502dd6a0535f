"""Landing page, the no-JavaScript language switch and the signed directory for browsers."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request
from werkzeug.wrappers import Response as WerkzeugResponse

from .. import i18n
from ..state import current

bp = Blueprint("pages", __name__)

# Where the language switch may send the reporter back to: our own pages only.
RETURN_PATHS = frozenset({"/", "/submit", "/followup"})


@bp.get("/")
def landing() -> str:
    """What Bisik is, who reads reports, what anonymity means here, safety advice."""
    directory = current().directory()
    return render_template(
        "landing.html", org_name=directory.org_name, reviewers=directory.active_reviewers()
    )


@bp.get("/lang/<code>")
def language(code: str) -> WerkzeugResponse:
    """Set the ``lang`` cookie (it holds only the language) and go back to a known page.

    A session cookie: it goes when the browser closes, so a shared or seized device keeps no
    lasting trace that it ever opened Bisik (a one-year cookie did)."""
    if code not in i18n.LANGUAGES:
        code = i18n.DEFAULT
    back = request.args.get("next", "/")
    response = redirect(back if back in RETURN_PATHS else "/", code=303)
    response.set_cookie(
        i18n.COOKIE,
        code,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=request.is_secure,
    )
    return response


@bp.get("/directory.json")
def directory_json() -> Response:
    """The signed reviewer directory exactly as issued; the browser verifies it itself."""
    return Response(current().directory_bytes(), mimetype="application/json")
