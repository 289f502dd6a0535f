"""A case's escalation chain: the signed tracking steps (crypto/SPEC.md §16) as a typed list,
the step that is overdue, and recording a new step.

The API other front-ends build on (the CLI's ``track`` and ``due``; a desktop screen):

* :func:`chain` — ``chain(case) -> list[Step]``, every verified step of a parsed case in
  §16 order (day, time, id), from this laptop and colleagues alike;
* :func:`overdue` — the newest step if its stage's deadline (``stages.json``) has passed;
  :func:`overdue_from_summary` does the same from the store's index entry (no decryption),
  :func:`overdue_cases` for every case of the index;
* :func:`record_step` — check a new step against the data (stage known, allowed after the
  last one, reference/level present when the stage needs them), sign it with the reviewer's
  key, add it to the case and queue it for the outbox (it then reaches the server, every
  colleague's laptop on import, and the reporter's follow-up page in coarse form);
  :func:`mark_escalated` then signs the status ``escalated`` for a step that hands the case to
  an authority (``track --set-status``).

Steps carry authority codes, stages, days and the authority's reference number; never a note
(notes stay in ``note``, on this laptop).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from crypto import records as crecords
from crypto import tracking as ctracking
from crypto.directory import Directory

from ..actions import next_at, record_signed, set_status
from ..case import Case, parse_day
from ..errors import TrackingError
from ..home import Config
from ..identity import Identity
from ..store import CaseStore
from . import stages
from .authorities import code_of


@dataclass(frozen=True)
class Step:
    """One verified tracking step: on ``day`` the ``authority`` reached ``stage``.

    ``by`` is the reviewer who signed it (``"id (revoked)"`` once revoked); ``known`` is False
    for a stage this laptop's ``stages.json`` does not list (kept and shown by its code).
    """

    id: str
    authority: str
    stage: str
    day: dt.date
    by: str
    reference: str | None = None
    level: str | None = None
    known: bool = True


@dataclass(frozen=True)
class Overdue:
    """The newest step of a case whose stage deadline passed: ``deadline`` and days late."""

    case_id: str
    step: Step
    deadline: dt.date
    days_late: int
    legal: bool  # False: an organisation reminder period, not a legal duty
    source: str


def chain(case: Case) -> list[Step]:
    """Every tracking step of ``case`` (already verified on import or when signed), in order."""
    steps = [
        Step(
            r.id,
            r.authority or "",
            r.stage or "",
            dt.date.fromisoformat(r.step_day),
            r.by,
            r.reference,
            r.level,
            stages.get(r.stage or "") is not None,
        )
        for r in case.records
        if r.kind == ctracking.KIND and r.step_day
    ]
    order = {r.id: (r.when, r.id) for r in case.records}
    return sorted(steps, key=lambda s: (s.day, *order[s.id]))


def _late(case_id: str, step: Step, today: dt.date) -> Overdue | None:
    stage = stages.get(step.stage)
    if stage is None or stage.deadline_days is None:
        return None
    deadline = step.day + dt.timedelta(days=stage.deadline_days)
    if deadline >= today:
        return None
    return Overdue(case_id, step, deadline, (today - deadline).days, stage.legal, stage.source)


def overdue(case: Case, today: dt.date) -> Overdue | None:
    """The case's newest step if no later step came within its stage's deadline, else None."""
    steps = chain(case)
    return _late(case.case_id, steps[-1], today) if steps else None


def overdue_from_summary(case_id: str, summary: dict[str, Any], today: dt.date) -> Overdue | None:
    """:func:`overdue` from the store index's ``trk`` entry (``[stage, day]``), for ``due``
    over every case without decrypting any; the step carries only stage and day."""
    last = summary.get("trk")
    if not last:
        return None
    step = Step("", "", last[0], dt.date.fromisoformat(last[1]), "")
    return _late(case_id, step, today)


def overdue_cases(cases: dict[str, dict[str, Any]], today: dt.date) -> list[Overdue]:
    """:func:`overdue_from_summary` over the store's whole index (``store.cases``), by case id:
    the reminders of ``due`` and ``track --overdue``."""
    return [
        late
        for case_id, summary in sorted(cases.items())
        if (late := overdue_from_summary(case_id, summary, today))
    ]


ESCALATING = ("sent", "escalated")  # stages whose step may also set the status "escalated"


def _check(
    steps: list[Step], authority: str, stage: str, reference: str | None, level: str | None
) -> None:
    known = stages.get(stage)
    if known is None:
        raise TrackingError("err.track_stage", stage=stage, choices=", ".join(stages.load().stages))
    previous = steps[-1].stage if steps else None
    if stage not in stages.allowed_after(previous):
        raise TrackingError(
            "err.track_order",
            stage=stage,
            previous=previous or "-",
            choices=", ".join(stages.allowed_after(previous)),
        )
    if known.authorities and authority not in known.authorities:
        raise TrackingError(
            "err.track_authority", stage=stage, choices=", ".join(sorted(known.authorities))
        )
    if "reference" in known.needs and not reference:
        raise TrackingError("err.track_needs_reference", stage=stage)
    if ("level" in known.needs) != bool(level) or (level and level not in stages.load().levels):
        raise TrackingError("err.track_level", stage=stage, choices=", ".join(stages.load().levels))


def _local(at: str) -> str:
    """``at`` in the laptop's own zone: §16 compares ``day`` with the day of ``at`` as written,
    and a reviewer in WIB (UTC+7) records before 07:00 a step dated their own today."""
    return dt.datetime.fromisoformat(at).astimezone().isoformat()


def authority_code(name: str) -> str:
    """The authorities.json code for ``name`` (any spelling); TrackingError if unknown."""
    code = code_of(name)
    if code is None:
        raise TrackingError("err.track_authority_name", name=name)
    return code


def record_step(
    store: CaseStore,
    ident: Identity,
    config: Config,
    directory: Directory,
    case_id: str,
    *,
    authority: str,
    stage: str,
    day: Any = None,
    reference: str | None = None,
    level: str | None = None,
    today: dt.date | None = None,
    check: bool = True,
) -> dict[str, Any]:
    """Check, sign, record and queue one step; returns its verified body.

    ``day`` defaults to ``today``; a day after today is refused. ``check`` False skips the
    data rules (order, needs), only for converting an old local log whose steps predate them.
    TrackingError (nothing changed) for any rule broken.
    """
    code = authority_code(authority)
    today = today or dt.date.today()  # the laptop's own calendar day
    try:
        when = parse_day(day) or today
    except ValueError as exc:
        raise TrackingError(f"not a date: {day!r}") from exc
    if when > today:
        raise TrackingError("err.track_future_day", day=when.isoformat())
    reference = reference.strip() if reference else None
    case = store.load_case(case_id)
    if check:
        _check(chain(Case.from_store(case)), code, stage, reference, level)
    try:
        raw = ctracking.step(
            ident.keys.signing,
            case["id"],
            code,
            stage,
            when.isoformat(),
            reference=reference,
            level=level,
            at=_local(next_at(case)),
        )
    except ValueError as exc:
        raise TrackingError("err.track_malformed") from exc
    body, reviewer = crecords.verify(raw, directory, ctracking.KIND)
    record_signed(store, config, case, ctracking.KIND, raw, body, reviewer.id)
    return body


def mark_escalated(
    store: CaseStore,
    ident: Identity,
    config: Config,
    directory: Directory,
    case_id: str,
    body: dict[str, Any],
) -> bool:
    """After the step ``body`` (what :func:`record_step` returned) of a stage in
    :data:`ESCALATING`, sign and queue the status ``escalated`` naming its authority; False,
    and nothing signed, after any other stage."""
    if body["stage"] not in ESCALATING:
        return False
    set_status(store, ident, config, directory, case_id, "escalated", body["authority"])
    return True
