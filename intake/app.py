"""The application factory: ``create_app(config)`` wires config, vault, hardening and views.

Security lives here, once, not in each view: the request class that refuses buffered
multipart parsing, the response headers, the session cookie and CSRF check, the rate limits
(:mod:`intake.ratelimit`: keyed by session id and by global budgets, never by address), the
logging filter, the refusal of Tor2web gateways (:mod:`intake.tor2web`) and the generic
error pages. Every view module — the no-JavaScript pages and the JSON API (:mod:`intake.api`)
— is a blueprint registered here; none imports this module.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, abort, g, request

from vault.store import Vault

from . import (
    api,
    circuit,
    form_tokens,
    i18n,
    limitstore,
    logs,
    pacing,
    ratelimit,
    security,
    tor2web,
)
from .api import uploads
from .bodies import FORM_MEMORY, BisikRequest
from .config import Config, load, load_secrets
from .host_check import HostCheck
from .state import Intake, current, load_root
from .views import errors, followup, pages, proofcheck, submit

log = logging.getLogger("bisik.intake")
SLOT_RETRY_SECONDS = 30  # what a refused upload is told to wait (intake.pacing.UploadSlots)


class BisikFlask(Flask):
    """Flask, except that an unhandled exception is logged by its type only.

    Flask's own line is "Exception on <path> [<method>]" with a traceback: the path may carry
    what a reporter typed, and a client that can cause the error at will would write one
    such line per request.
    """

    def log_exception(self, exc_info: Any) -> None:
        """Log one line naming the exception's type: no path, no traceback, nothing sent."""
        log.error("internal error: %s", type(exc_info[1]).__name__)


def _csrf_guard(app: Flask) -> None:
    @app.before_request
    def _csrf() -> None:
        if request.method in security.SAFE_METHODS:
            return
        if request.content_length is None and request.environ.get("wsgi.input_terminated"):
            # A body of unstated length (chunked): browsers never send one for our forms or
            # the JS API. Refused before reading, so no cap has to hold while it streams in.
            abort(411)
        view = app.view_functions.get(request.endpoint or "")
        streams = view is not None and getattr(view, "_bisik_streams", False)
        if streams and request.mimetype == "multipart/form-data":
            if not g.get("bisik_sid_valid"):
                abort(403)  # no session, so no token can match: refuse before reading a byte
            return  # the streaming reader checks the token before any file part
        if not security.check_csrf_header_or_form():
            abort(403)


def _upload_slots(app: Flask, config: Config) -> None:
    """Long bodies need a slot (intake.pacing); without one, 503 before the body is read."""
    slots = pacing.UploadSlots(config.upload_slots)
    app.extensions["bisik_upload_slots"] = slots

    @app.before_request
    def _take() -> None:
        if request.method in security.SAFE_METHODS or not pacing.is_long(request.environ):
            return
        if not slots.take():
            g.bisik_busy = True
            pacing.end_after_response(request.environ)  # its body is never read
            abort(503)
        g.bisik_slot = True

    @app.after_request
    def _retry_after(response: Response) -> Response:
        if g.get("bisik_busy"):
            response.headers["Retry-After"] = str(SLOT_RETRY_SECONDS)
        return response

    @app.teardown_request
    def _give(_exc: BaseException | None) -> None:
        if g.pop("bisik_slot", False):
            slots.give_back()


def _templates(app: Flask) -> None:
    @app.before_request
    def _language() -> None:
        g.lang = i18n.pick(request.cookies.get(i18n.COOKIE))

    @app.context_processor
    def _context() -> dict[str, Any]:
        lang = g.get("lang", i18n.DEFAULT)
        state = current()

        def t(key: str, **values: object) -> str:
            return i18n.translate(lang, key, **values)

        return {
            "t": t,
            "lang": lang,
            "languages": i18n.LANGUAGES,
            "csrf_token": security.csrf_token,
            "csrf_field": security.CSRF_FIELD,
            "org_fingerprint": state.root_fingerprint,
            "root_public": state.root_public_b64,
            "scripts": state.scripts,
            "upload_plan": f"{uploads.PIECE} {uploads.PARALLEL}",
        }


def create_app(config: Config | None = None, *, vault: Vault | None = None) -> Flask:
    """Build the service. Stops with ConfigError if a secret, the root key or directory is
    missing. ``vault`` lets tests and the CLI pass an already open vault."""
    config = config or load()
    secrets = load_secrets(config)
    root = load_root(config.root_pub_path)
    config.tmp_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    logs.configure(config.log_file)  # before anything can log: filter on, access logs off
    app = BisikFlask(__name__, static_folder="static", template_folder="templates")
    app.request_class = BisikRequest
    app.secret_key = secrets.flask_key
    app.config.update(
        MAX_CONTENT_LENGTH=config.max_upload_bytes + (1 << 20),
        MAX_FORM_MEMORY_SIZE=FORM_MEMORY,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        TEMPLATES_AUTO_RELOAD=False,
    )
    opened = vault or Vault.open(config.database_url, config.home, blob_store=config.blob_store)
    state = Intake(config, secrets, opened, root)
    try:
        state.check()
    except BaseException:
        if vault is None:
            state.vault.close()
        raise
    app.extensions["bisik"] = state
    security.install(app, security.SessionKeys.derive(secrets.flask_key), config.session_minutes)
    _templates(app)
    tor2web.install(app)  # after the language is known, before CSRF and every view
    _upload_slots(app, config)
    _csrf_guard(app)
    for bp in (pages.bp, submit.bp, followup.bp, proofcheck.bp, api.bp):
        app.register_blueprint(bp)
    errors.install(app)
    app.wsgi_app = HostCheck(app.wsgi_app, app.url_map)  # type: ignore[method-assign]
    app.config["RATELIMIT_STORAGE_URI"] = limitstore.SCHEME + config.limiter_storage
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {"name_key": limitstore.derive_key(secrets.flask_key)}
    limiter = ratelimit.make_limiter()
    limiter.init_app(app)
    ratelimit.apply(app, limiter, config.limits)
    app.extensions["bisik_limiter"] = limiter
    # used no-JS form tokens share the limiter's storage: RAM or Redis, never the vault
    app.extensions["bisik_form_tokens"] = form_tokens.UsedTokens.derive(
        limiter.storage, secrets.flask_key
    )
    app.wsgi_app = pacing.wrap(  # type: ignore[method-assign,assignment]
        app.wsgi_app, pacing.Pace(config.body_min_rate, float(config.read_idle_seconds))
    )
    app.wsgi_app = circuit.PeerScrub(app.wsgi_app)  # type: ignore[method-assign]  # outermost
    log.info("intake service ready")
    return app
