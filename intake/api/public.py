"""What the browser code reads before it seals anything: a CSRF token, the signed reviewer
directory and the catalogue of its language. Leaks: nothing; these are the same for all."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from .. import i18n, security
from ..state import current

bp = Blueprint("public", __name__)


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
