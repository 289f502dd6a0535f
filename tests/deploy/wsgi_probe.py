"""A tiny WSGI app for running gunicorn with deploy/gunicorn.conf.py in tests.

``/`` echoes what gunicorn told the app about the client; ``/upload`` counts the body bytes
(for the slow-upload test); ``/boom`` raises an exception whose
message quotes "request data" (the client address), which must not reach the error log.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("PATH_INFO") == "/upload":  # read the whole body as it trickles in
        stream, total = environ["wsgi.input"], 0
        while chunk := stream.read(65536):
            total += len(chunk)
        body = str(total).encode()
        start_response(
            "200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
        )
        return [body]
    if environ.get("PATH_INFO") == "/boom":
        raise RuntimeError(f"probe failure for {environ.get('REMOTE_ADDR')} secret-form-value")
    body = json.dumps(
        {
            "remote_addr": environ.get("REMOTE_ADDR"),
            "scheme": environ.get("wsgi.url_scheme"),
            "script_name": environ.get("SCRIPT_NAME"),
        }
    ).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]
