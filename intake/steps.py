"""The authority's progress as the reporter sees it: verified tracking steps (crypto/SPEC.md
§16), reduced to authority, stage and day.

Every step is verified against the reviewer directory before it is shown; one that fails, or
names another case, is dropped and counted. The reporter never sees the authority's reference
number (the key to the authority's own file), the sanction level, or who recorded the step:
only which body, which stage, and on which day. Stage and authority names come from the
catalogue (``track.stage.*``, ``track.authority.*``); a stage this server does not know is
shown as "another stage", an authority without a name by its code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crypto import records, tracking
from crypto.directory import Directory
from crypto.errors import BisikError

from .i18n import catalogue


@dataclass(frozen=True)
class StepView:
    """One verified step: catalogue keys for the stage and, when named, the authority."""

    stage_key: str
    authority_key: str | None
    authority_code: str
    day: str


def _key(prefix: str, code: str) -> str | None:
    key = f"{prefix}.{code}"
    return key if key in catalogue("id") else None


def _view(directory: Directory, case_id: str, data: bytes) -> StepView | None:
    try:
        body, _reviewer = records.verify(data, directory, tracking.KIND)
    except BisikError:
        return None
    if body["case"] != case_id:
        return None
    return StepView(
        _key("track.stage", body["stage"]) or "track.stage.other",
        _key("track.authority", body["authority"]),
        body["authority"],
        body["day"],
    )


def verified_steps(
    directory: Directory, case_id: str, steps: Sequence[bytes]
) -> tuple[list[StepView], int]:
    """(the steps that verify, in §16 order by day; how many were dropped)."""
    views = [_view(directory, case_id, s) for s in steps]
    shown = [v for v in views if v is not None]
    return sorted(shown, key=lambda v: v.day), len(views) - len(shown)
