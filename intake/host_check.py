"""A ``Host`` header that cannot name any server gets a plain 400, before Flask sees it.

Werkzeug cannot bind the URL map to a host such as ``..`` (IDNA refuses an empty label), so
Flask ran the request with no URL adapter: every page's ``url_for`` then failed, the error
page failed the same way, and Flask logged "Exception on <path>" for each request — unlimited
500s and a log line carrying the request path (about 9 GB of log a day from one client). This
middleware tries the same binding first and answers such a request with a short, bilingual
400 from the catalogue, writes no log line, and never calls the application.

Leaks: nothing; nothing of the request is read but the host, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map

from . import i18n

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _body() -> bytes:
    lines = [i18n.translate(lang, "error.http_400") for lang in i18n.LANGUAGES]
    return ("\n".join(lines) + "\n").encode()


class HostCheck:
    """WSGI middleware: refuse a request whose host the URL map cannot bind to."""

    def __init__(self, app: WsgiApp, url_map: Map) -> None:
        self.app = app
        self.url_map = url_map
        self.body = _body()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer 400 without calling the application if the host cannot be bound; else pass on."""
        try:  # as Flask binds it (no subdomain matching): BadHost if the name cannot be used
            self.url_map.bind_to_environ(environ, subdomain="")
        except HTTPException:
            start_response(
                "400 Bad Request",
                [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(self.body))),
                    ("Cache-Control", "no-store"),
                    ("X-Content-Type-Options", "nosniff"),
                    ("Connection", "close"),
                ],
            )
            return [self.body]
        return self.app(environ, start_response)
