"""The application factory: ``create_app(config)`` wires config, vault, hardening and views.

Security lives here, once, not in each view: the request class that refuses buffered
multipart parsing, the response headers, the session cookie and CSRF check, the rate limits
(keyed by session id and by global budgets, never by address), the logging filter and the
generic error pages. ``intake.api`` (the JavaScript path's JSON API) is registered if present.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, Request, Response, abort, g, request
from flask_limiter import Limiter

from vault.store import Vault

from . import i18n, logs, once, pacing, security
from .config import Config, load, load_secrets
from .errors import FormRefused
from .state import Intake, current, load_root

log = logging.getLogger("bisik.intake")
FORM_MEMORY = 512 * 1024
# Every body that is not streamed (JSON, urlencoded forms, upload pieces) is read whole into
# memory by Werkzeug, so it gets a small cap of its own instead of the multipart upload limit.
SLOT_RETRY_SECONDS = 30  # what a refused upload is told to wait (intake.pacing.UploadSlots)
SMALL_BODY = 9 << 20  # an 8 MiB upload piece (intake.api.MAX_PIECE) plus slack; JSON is smaller


class BisikRequest(Request):
    """A request that never spools an upload: buffered multipart parsing is refused.

    Werkzeug would write file parts over 500 KiB to plaintext temporary files. Views that
    accept files read ``request.stream`` through :mod:`intake.multipart` instead; touching
    ``request.form`` or ``request.files`` on a multipart request raises FormRefused.
    """

    max_form_memory_size = FORM_MEMORY
    max_form_parts = 200

    @property
    def max_content_length(self) -> int | None:
        """The app's upload limit for streamed multipart bodies only; far less for the rest.

        Werkzeug reads a urlencoded or JSON body whole, ignoring ``max_form_memory_size``, up
        to this limit — also a chunked body without Content-Length — so without a per-type cap
        any POST (even one without a session, in the CSRF check) could fill memory.
        """
        if self._max_content_length is not None:
            return self._max_content_length
        limit = super().max_content_length
        if self.mimetype == "multipart/form-data":
            return limit
        cap = FORM_MEMORY if self.mimetype == "application/x-www-form-urlencoded" else SMALL_BODY
        return cap if limit is None else min(limit, cap)

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def _load_form_data(self) -> None:
        if self.mimetype == "multipart/form-data":
            raise FormRefused("multipart bodies are streamed, never parsed into request.files")
        super()._load_form_data()


def streams_body(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view that reads a multipart body itself (CSRF is the body's first part)."""
    view._bisik_streams = True  # type: ignore[attr-defined]
    return view


def _session_key() -> str:
    return "s:" + security.session_id() if g.get("bisik_sid_valid") else "s:none"


def _global_key() -> str:
    return "global"


def _limits(app: Flask, limiter: Limiter, config: Config) -> None:
    """Per-session and global budgets on the endpoints that cost work or reveal cases."""
    lim = config.limits
    table = {
        "submit.submit_post": (lim.submit_session, lim.submit_global),
        "followup.followup_post": (lim.receipt_session, lim.receipt_global),
        "followup.proof_download": (lim.receipt_session, lim.receipt_global),
        "followup.message": (lim.upload_session, lim.upload_global),
        "submit.receipt_qr": (lim.receipt_session, lim.receipt_global),
    }
    for endpoint, (per_session, overall) in table.items():
        view: Any = app.view_functions[endpoint]
        view = limiter.limit(per_session, key_func=_session_key, scope=endpoint + ":s")(view)
        view = limiter.limit(overall, key_func=_global_key, scope=endpoint + ":g")(view)
        app.view_functions[endpoint] = view


def _register_api(app: Flask) -> None:
    """The JavaScript path's JSON API, if installed. It sets its own per-endpoint budgets on
    ``app.extensions["limiter"]`` (registered after ``init_app``, so the limiter exists)."""
    try:
        api = importlib.import_module("intake.api")
    except ModuleNotFoundError as exc:
        if exc.name != "intake.api":
            raise
        return
    app.register_blueprint(api.bp)


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
        }


def create_app(config: Config | None = None, *, vault: Vault | None = None) -> Flask:
    """Build the service. Stops with ConfigError if a secret, the root key or directory is
    missing. ``vault`` lets tests and the CLI pass an already open vault."""
    config = config or load()
    secrets = load_secrets(config)
    root = load_root(config.root_pub_path)
    config.tmp_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    logs.configure(config.log_file)  # before anything can log: filter on, access logs off
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.request_class = BisikRequest
    app.secret_key = secrets.flask_key
    app.config.update(
        MAX_CONTENT_LENGTH=config.max_upload_bytes + (1 << 20),
        MAX_FORM_MEMORY_SIZE=FORM_MEMORY,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        TEMPLATES_AUTO_RELOAD=False,
    )
    state = Intake(config, secrets, vault or Vault.open(config.database_url, config.home), root)
    try:
        state.check()
    except BaseException:
        if vault is None:
            state.vault.close()
        raise
    app.extensions["bisik"] = state
    security.install(app, security.SessionKeys.derive(secrets.flask_key), config.session_minutes)
    _templates(app)
    _upload_slots(app, config)
    _csrf_guard(app)
    limiter = Limiter(
        key_func=_session_key,
        storage_uri=config.limiter_storage,
        strategy="fixed-window",
        headers_enabled=False,
        key_prefix="bisik",
    )
    from .views import errors, followup, pages, submit

    for bp in (pages.bp, submit.bp, followup.bp):
        app.register_blueprint(bp)
    errors.install(app)
    limiter.init_app(app)
    _limits(app, limiter, config)
    _register_api(app)
    app.extensions["bisik_limiter"] = limiter
    # used no-JS form tokens (U4) share the limiter's storage: RAM or Redis, never the vault
    app.extensions["bisik_once"] = once.UsedTokens.derive(limiter.storage, secrets.flask_key)
    app.wsgi_app = pacing.wrap(  # type: ignore[method-assign,assignment]
        app.wsgi_app, pacing.Pace(config.body_min_rate, float(config.read_idle_seconds))
    )
    log.info("intake service ready")
    return app
