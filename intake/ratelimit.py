"""Request budgets: which endpoint spends which budget, keyed by session and globally.

The factory makes one flask-limiter ``Limiter`` per app, unbound (:func:`make_limiter`),
``init_app``s it, then calls :func:`apply`, which wraps every endpoint named in
:data:`BUDGETS` — the no-JavaScript views and the JSON API alike. No view module sets up a
limit of its own. One limiter per app, not per process: flask-limiter keeps the storage on the
limiter object, so two apps (two test workers) must not share one.

Every endpoint that checks a receipt spends the one shared *receipt* budget per session,
whatever else it spends: the follow-up page, the proof download and both message routes all
tell a guesser whether a code exists, so none may be a cheaper oracle than another. The
*global* receipt budget (``receipt_global``) counts only receipts that open no case
(:mod:`intake.guesses`): a flood of guesses exhausts it for guesses, and a reporter with a
valid receipt is still answered — a guesser cannot lock reporters out of their cases.

Over an onion service each budget is also kept per Tor circuit (:mod:`intake.circuit`): a
client that throws its session cookie away still spends its circuit's budget, so spending a
global budget for everyone takes many circuits, each of which costs the client to build (and
an onion proof-of-work under attack).

Keys are the opaque session id, the circuit id tor exports and one global key — never an
address or a browser string.
Leaks: how many requests a session made, in the limiter's storage (RAM or Redis), until the
window ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, abort, current_app, g
from flask_limiter import Limiter
from limits import parse_many

from . import charges, security
from .circuit import circuit_key
from .config import Limits

# Per session, global: 1 GiB per 10 minutes of 1 MiB pieces (6 GiB/hour). A 10-minute window
# rather than an hour keeps each throw-away session's counter for 15 minutes, not 90: at the
# global rate that bounds the piece counters to ~0.9 M (~65 MB in Redis; intake/README.md).
PIECE_LIMITS = ("1000/10 minutes", "60000/minute")


def _session_key() -> str:
    return "s:" + security.session_id() if g.get("bisik_sid_valid") else "s:none"


def _api_session_key() -> str:
    return "sid:" + security.session_id()


def _global_key() -> str:
    return "global"


@dataclass(frozen=True)
class Budget:
    """A pair of limits: ``field`` names ``Limits.<field>_session`` / ``<field>_global``
    (or, with ``fixed``, the limit strings themselves). ``scope`` names the counters; a
    scope shared by several endpoints is one budget they all spend, so it also needs one
    per-session ``key`` for all of them (None: the endpoint's own key function)."""

    field: str
    scope: str
    shared: bool = False
    fixed: tuple[str, str] | None = None
    key: Callable[[], str] | None = None
    session_only: bool = False  # the global part is spent by intake.guesses

    def limits(self, limits: Limits) -> tuple[str, str]:
        """The (per-session, global) limit strings of this budget under ``limits``."""
        if self.fixed is not None:
            return self.fixed
        return getattr(limits, self.field + "_session"), getattr(limits, self.field + "_global")

    def per_circuit(self, limits: Limits) -> str:
        """The per-circuit limit string (a fixed budget uses its per-session limit)."""
        if self.fixed is not None:
            return self.fixed[0]
        return str(getattr(limits, self.field + "_circuit"))


def _own(field: str, endpoint: str) -> Budget:
    return Budget(field, endpoint)


RECEIPT = Budget("receipt", "receipt", shared=True, key=_session_key, session_only=True)


def _api(name: str) -> str:
    return "api-" + name


# endpoint → (key function for the per-session limit, budgets it spends)
BUDGETS: dict[str, tuple[Callable[[], str], tuple[Budget, ...]]] = {
    "submit.submit_post": (_session_key, (_own("submit", "submit.submit_post"),)),
    "submit.receipt_qr": (_session_key, (_own("receipt", "submit.receipt_qr"),)),
    "followup.followup_post": (_session_key, (RECEIPT,)),
    "followup.proof_download": (_session_key, (RECEIPT,)),
    "followup.message": (_session_key, (_own("upload", "followup.message"), RECEIPT)),
    "api.cases.submit_report": (_api_session_key, (_own("submit", _api("submit_report")),)),
    "api.cases.case": (_api_session_key, (RECEIPT,)),
    "api.cases.case_proof": (_api_session_key, (RECEIPT,)),
    "api.cases.case_message": (_api_session_key, (_own("submit", _api("case_message")), RECEIPT)),
    "api.uploads.finish_upload": (_api_session_key, (_own("upload", _api("finish_upload")),)),
    "api.uploads.put_piece": (
        _api_session_key,
        (Budget("", _api("put_piece"), fixed=PIECE_LIMITS),),
    ),
    "api.uploads.upload_offset": (
        _api_session_key,
        (Budget("", _api("upload_offset"), fixed=PIECE_LIMITS),),
    ),
}


# Opening an upload: spent by the explicit opening and by a piece that opens its upload, so
# both ways of opening draw on one budget (see :func:`spend`; not in BUDGETS).
OPEN_UPLOAD = Budget("upload", _api("open_upload"))


def spend(budget: Budget, key: Callable[[], str] = _api_session_key) -> None:
    """Spend one unit of ``budget`` from inside a view, for work a request does only sometimes
    (a piece that opens its upload): the per-session (``key``), per-circuit and global
    limits :func:`apply` puts on whole endpoints, counted in ``budget.scope``'s own counters.
    Aborts with 429 once one is reached. Leaks what :func:`apply`'s counters leak."""
    limiter: Limiter = current_app.extensions["bisik_limiter"]
    limits: Limits = current_app.extensions["bisik_limits"]
    per_session, overall = budget.limits(limits)
    checks = [(per_session, (budget.key or key)(), ":s")]
    circuit = circuit_key()
    if circuit is not None:
        checks.append((budget.per_circuit(limits), circuit, ":c"))
    if not budget.session_only:
        checks.append((overall, _global_key(), ":g"))
    for text, owner, part in checks:
        for item in parse_many(text):
            if not limiter.limiter.hit(item, "spent", budget.scope + part, owner):
                abort(429)


def make_limiter() -> Limiter:
    """An unbound limiter; its storage comes from the app's ``RATELIMIT_STORAGE_URI``."""
    return Limiter(
        key_func=_session_key, strategy="fixed-window", headers_enabled=False, key_prefix="bisik"
    )


def _circuit_key() -> str:
    return circuit_key() or "c:none"  # never used: exempt below


def _not_over_tor() -> bool:
    return circuit_key() is None


def _wrap(limiter: Limiter, view: Any, budget: Budget, key: Callable[[], str], lim: Limits) -> Any:
    per_session, overall = budget.limits(lim)
    decorate = limiter.shared_limit if budget.shared else limiter.limit
    view = decorate(per_session, key_func=budget.key or key, scope=budget.scope + ":s")(view)
    view = decorate(
        budget.per_circuit(lim),
        key_func=_circuit_key,
        scope=budget.scope + ":c",
        exempt_when=_not_over_tor,
    )(view)
    if budget.session_only:
        return view
    return decorate(overall, key_func=_global_key, scope=budget.scope + ":g")(view)


def apply(app: Flask, limiter: Limiter, limits: Limits) -> None:
    """Wrap every endpoint of :data:`BUDGETS` in its budgets; KeyError if one is missing
    (a renamed view must not silently lose its limit)."""
    for endpoint, (key, budgets) in BUDGETS.items():
        view = app.view_functions[endpoint]
        for budget in budgets:
            view = _wrap(limiter, view, budget, key, limits)
        app.view_functions[endpoint] = view
    app.extensions["bisik_limits"] = limits  # for spend()
    charges.register(app, charges.OPEN_UPLOAD, lambda: spend(OPEN_UPLOAD))
