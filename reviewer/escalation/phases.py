"""Election phases of an incident date, from a configurable election calendar.

The paper's conflict dynamics (latent → before the election → campaign and voting peak →
post-election retaliation) become five phases: ``latent``, ``pre_campaign``, ``campaign``,
``voting`` and ``post_election``. Defaults: Pemilu 2024 and Pilkada 2024 (``calendars.json``,
each entry names its source). The post-election (retaliation) window runs at least 24 months
past the inauguration: transfers become legal again six months after it, and that is when
retaliation starts. A calendar with a ``region`` that ``overrides`` a general one replaces it
for cases of that region (delayed inauguration, re-vote).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import CalendarError

PHASES = ("latent", "pre_campaign", "campaign", "voting", "post_election")
# Where two elections overlap (Pemilu 2024's aftermath and Pilkada 2024's run-up), the phase
# closest to a vote wins; a retaliation report prefers the post-election phase.
_PRIORITY = ("voting", "campaign", "pre_campaign", "post_election")
_DATES = ("pre_campaign_start", "campaign_start", "campaign_end", "voting_end", "post_election_end")


@dataclass(frozen=True)
class Election:
    """One election's calendar."""

    name: str
    kind: str  # "pemilu" or "pilkada"
    pre_campaign_start: dt.date
    campaign_start: dt.date
    campaign_end: dt.date
    voting_end: dt.date
    post_election_end: dt.date
    source: str = ""
    year: int | None = None  # the election's official year ("Pemilu 2024")
    region: str = ""  # a province: this calendar applies to that region only
    overrides: str = ""  # the name of the general calendar it replaces there

    def phase(self, day: dt.date) -> str:
        """The phase of ``day`` in this election (``latent`` outside its windows)."""
        if self.pre_campaign_start <= day < self.campaign_start:
            return "pre_campaign"
        if self.campaign_start <= day <= self.campaign_end:
            return "campaign"
        if self.campaign_end < day <= self.voting_end:
            return "voting"
        if self.voting_end < day <= self.post_election_end:
            return "post_election"
        return "latent"


def _election(obj: dict[str, Any]) -> Election:
    try:
        days = {k: dt.date.fromisoformat(obj[k]) for k in _DATES}
        if list(days.values()) != sorted(days.values()):
            raise CalendarError(f"the dates of {obj.get('name')!r} are out of order")
        year = int(obj["year"]) if obj.get("year") is not None else None
        return Election(
            name=str(obj["name"]),
            kind=str(obj["kind"]).lower(),
            source=str(obj.get("source", "")),
            year=year,
            region=str(obj.get("region", "")),
            overrides=str(obj.get("overrides", "")),
            **days,
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, CalendarError):
            raise
        raise CalendarError("an election needs a name, a kind and five ISO dates") from exc


def load(path: Path | None = None) -> list[Election]:
    """Elections from ``path`` (JSON like ``calendars.json``), or the shipped defaults."""
    try:
        text = (
            Path(path).read_text("utf-8")
            if path
            else resources.files(__package__).joinpath("calendars.json").read_text("utf-8")
        )
        return [_election(e) for e in json.loads(text)["elections"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, CalendarError):
            raise
        raise CalendarError("the election calendar cannot be read") from exc


def for_region(elections: Sequence[Election], region: str) -> list[Election]:
    """The calendars that hold in ``region``: general ones, except those a regional calendar of
    ``region`` overrides, plus those regional ones; other regions' calendars are dropped."""
    local = [e for e in elections if e.region and e.region == region]
    replaced = {e.overrides for e in local}
    return [e for e in elections if not e.region and e.name not in replaced] + local


def derive(
    day: dt.date | None,
    elections: Sequence[Election],
    *,
    kind: str | None = None,
    year: int | None = None,
    category: str = "",
    region: str = "",
) -> tuple[str, str | None]:
    """(phase, election name) of an incident on ``day``; ``("unknown", None)`` without a day.

    ``kind`` ("pemilu"/"pilkada") and ``year``, from the report, limit the calendars
    considered when some calendar matches them; otherwise every calendar is considered.
    ``region`` (a province) swaps in the calendars that override a general one there.
    """
    if day is None:
        return "unknown", None
    elections = for_region(elections, region)
    pool = [
        e
        for e in elections
        if (kind is None or e.kind == kind) and (year is None or e.year in (None, year))
    ] or list(elections)
    found: dict[str, str] = {}
    for e in pool:
        found.setdefault(e.phase(day), e.name)
    order = ("post_election", *_PRIORITY) if category == "retaliation" else _PRIORITY
    for phase in order:
        if phase in found:
            return phase, found[phase]
    return "latent", None
