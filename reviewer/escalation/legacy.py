"""The old local tracking log (``tracking.py``: sent day, reference, outcome, on one laptop)
converted into signed tracking steps (crypto/SPEC.md §16), once per laptop.

For each logged escalation: a ``sent`` step on the day it was sent; an ``acknowledged`` step
with the authority's reference (on the sent day: the log never said when it came); and the
outcome as ``sanction`` (level unknown: none), ``not_proven`` or ``no_response`` on its day.
The steps are signed with this reviewer's key and queued like any other, so colleagues and the
reporter see them after the next outbox. The old log stays in the store (``escalate`` keeps
its dossier hashes and references there); a marker in the sealed index stops a second
conversion. A reference that is not printable ASCII is left out of the step (kept in the old
log), and an entry whose authority has no code (a free-text ``--to-other``) is skipped: both
are counted nowhere else, so the command says how many steps it made.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from crypto import tracking as ctracking
from crypto.directory import Directory
from crypto.errors import BisikError

from ..home import Config
from ..identity import Identity
from ..store import CaseStore
from . import chain, tracking
from .authorities import code_of

DONE_KEY = "tracking_signed"  # set in the sealed index once the log was converted
_OUTCOME_STAGE = {
    "sanctioned": "sanction",
    "not_proven": "not_proven",
    "no_response": "no_response",
}


def _steps(entry: tracking.Entry) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = []
    if entry.sent:
        steps.append({"stage": "sent", "day": entry.sent})
        ref = (
            entry.reference if entry.reference and ctracking.reference_ok(entry.reference) else None
        )
        if ref:
            steps.append({"stage": "acknowledged", "day": entry.sent, "reference": ref})
    if entry.outcome in _OUTCOME_STAGE:
        steps.append(
            {
                "stage": _OUTCOME_STAGE[entry.outcome],
                "day": entry.outcome_day or entry.sent or entry.created,
            }
        )
    return steps


def convert(
    store: CaseStore, ident: Identity, config: Config, directory: Directory, today: dt.date
) -> int:
    """Sign the old log's steps once; returns how many steps were made (0 when done before)."""
    if store.meta.get(DONE_KEY):
        return 0
    made = 0
    for entry in tracking.load(store).entries:
        code = code_of(entry.authority)
        if code is None or entry.case not in store.cases:
            continue
        for step in _steps(entry):
            try:
                chain.record_step(
                    store,
                    ident,
                    config,
                    directory,
                    entry.case,
                    authority=code,
                    today=today,
                    check=False,
                    **step,
                )
                made += 1
            except BisikError:
                continue  # a case this laptop can no longer sign for: the old log keeps it
    with store.transaction() as tx:
        tx.meta[DONE_KEY] = 1
    return made
