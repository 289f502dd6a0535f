"""The escalation chain as data (``stages.json``): the stages a tracking step may have, which
may follow which, what each must carry, and each stage's deadline with its source.

Nothing here is code about the law: a stage, an allowed transition or a period changes in the
data file. Every entry carries its ``source`` and the ``verify`` flag (not yet checked by the
organisation's lawyer), as ``regulations.json`` does; :data:`UNVERIFIED` is the notice to print
beside any period taken from it. ``legal`` False marks the organisation's own reminder period.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ..errors import TrackingError


@dataclass(frozen=True)
class Stage:
    """One stage of the chain: its code, the stages that may follow it, what a step needs."""

    code: str
    next: tuple[str, ...]
    needs: frozenset[str]  # "reference", "level"
    authorities: frozenset[str]  # codes a step of this stage may name; empty = any
    deadline_days: int | None
    legal: bool  # False: the organisation's reminder period, not a legal duty
    source: str
    verify: bool  # True until a lawyer checked it


@dataclass(frozen=True)
class Chain:
    """The whole data file: stages by code, the stages a chain may start with, sanction levels."""

    stages: dict[str, Stage]
    start: tuple[str, ...]
    levels: tuple[str, ...]
    levels_source: str
    unverified_notice: str


def _stage(code: str, v: dict[str, Any]) -> Stage:
    days = v["deadline_days"]
    if days is not None and not (isinstance(days, int) and 0 < days <= 365):
        raise TrackingError(f"stages.json: bad deadline for {code}")
    return Stage(
        code,
        tuple(v["next"]),
        frozenset(v["needs"]),
        frozenset(v["authorities"]),
        days,
        bool(v["legal"]),
        str(v["source"]),
        bool(v["verify"]) or v.get("verified_by") is None,
    )


@functools.cache
def load() -> Chain:
    """The chain in ``stages.json``; TrackingError if the file breaks its own rules (a ``next``
    naming no stage, an unknown ``needs``), so a bad edit stops every command at once."""
    raw = json.loads(resources.files(__package__).joinpath("stages.json").read_text("utf-8"))
    stages = {code: _stage(code, v) for code, v in raw["stages"].items()}
    for s in stages.values():
        if not set(s.next) <= set(stages) or not s.needs <= {"reference", "level"}:
            raise TrackingError(f"stages.json: stage {s.code} names an unknown stage or need")
    if not set(raw["start"]) <= set(stages):
        raise TrackingError("stages.json: an unknown start stage")
    levels = raw["levels"]
    return Chain(
        stages,
        tuple(raw["start"]),
        tuple(levels["codes"]),
        str(levels["source"]),
        str(raw["unverified_notice"]),
    )


def get(code: str) -> Stage | None:
    """The stage ``code``, or None when this laptop's data does not know it (a newer one's)."""
    return load().stages.get(code)


def allowed_after(previous: str | None) -> tuple[str, ...]:
    """Stages a new step may have after a step of stage ``previous`` (None: the first step).

    After a stage this laptop does not know, any stage may follow (the data is older than the
    colleague's who recorded it; refusing would block the chain)."""
    chain = load()
    if previous is None:
        return chain.start
    known = chain.stages.get(previous)
    return known.next if known else tuple(chain.stages)
