"""Tor2web gateways get a page that sends the reporter to Tor Browser, never the service.

A Tor2web gateway fetches an onion service for a browser on the open web: the gateway sees the
reporter's address and everything typed or uploaded, in the clear if the link is plain HTTP. A
reporter who arrives that way has lost the protection Bisik is built on, so no page of the
service is shown to them, not even the form. Gateways announce themselves with the
``X-Tor2web`` request header (tor2web's convention); one hook in the factory refuses every such
request, before the views and the CSRF check run.

Leaks: nothing. The header's value is not read, logged or echoed.
"""

from __future__ import annotations

from flask import Flask, render_template, request

HEADER = "X-Tor2web"


def install(app: Flask) -> None:
    """Answer every request that carries ``X-Tor2web`` with the use-Tor-Browser page (403)."""

    @app.before_request
    def _tor2web() -> tuple[str, int] | None:
        if HEADER in request.headers:
            return render_template("tor2web.html"), 403
        return None
