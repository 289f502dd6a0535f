"""The legal catalogue (data in ``regulations.json``): which rules a report may concern, whom
each binds, its sanction, the competent authority and level, its time window and source.

The dossier phrases a rule as an allegation for the authority to assess, never a finding, and
names whom the rule binds. Rules are filtered by the incident date (which ASN law was in
force), by the election (Pemilu: UU 7/2017; Pilkada: UU 10/2016; both when unknown) and by the
reported person's role as the reviewer stated it (``set --role``): a rule that binds someone
else is never cited as broken by that person. Only ``prohibition`` rules are ever cited as
broken; procedures, remedies, protections and duties are context for the reviewer.

No entry is verified by a lawyer until ``verified_by`` names one (:func:`unverified`).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from crypto import report_schema

from ..errors import UsageError
from ..vocabulary import ROLES
from . import authorities

CATEGORIES = report_schema.CATEGORIES  # the report's vocabulary is crypto's (SPEC §10)
KINDS = ("prohibition", "procedure", "remedy", "protection", "duty")
CITABLE = "prohibition"


@dataclass(frozen=True)
class Sanction:
    """What breaking a rule costs: ``kind`` (pidana, disiplin, administratif, …), ``level``
    (the range or grade) and the ``article`` that imposes it."""

    kind: str
    level: str
    article: str = ""


@dataclass(frozen=True)
class Rule:
    """One entry of the legal catalogue."""

    key: str
    kind: str
    law: str
    article: str
    text: str
    subject: tuple[str, ...]
    sanction: Sanction
    authorities: tuple[tuple[str, str], ...]  # (authority code, level)
    source: str
    window: str | None = None
    election: str | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    verified_by: str | None = None

    @property
    def verified(self) -> bool:
        """Whether a named lawyer verified this entry."""
        return bool(self.verified_by)

    def binds(self, role: str | None) -> bool:
        """Whether the rule binds a person of ``role`` (any role when it is unknown)."""
        return role is None or role in self.subject

    def applies(self, incident: dt.date | None, election_kind: str | None) -> bool:
        """Whether the rule was in force on ``incident`` (today if None) for the election."""
        if election_kind is not None and self.election not in (None, election_kind):
            return False
        day = incident or dt.date.today()
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_until and day > self.valid_until)

    def competent(self) -> list[tuple[str, str]]:
        """(authority code, level) pairs, each through :func:`authorities.effective`."""
        return [(authorities.effective(code), level) for code, level in self.authorities]


def _day(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def rule_from_json(key: str, obj: dict[str, Any]) -> Rule:
    """One catalogue entry as a :class:`Rule`; KeyError/TypeError/ValueError when malformed."""
    sanction = obj["sanction"]
    return Rule(
        key=key,
        kind=obj["kind"],
        law=obj["law"],
        article=obj["article"],
        text=obj["text"],
        subject=tuple(obj["subject"]),
        sanction=Sanction(sanction["kind"], sanction["level"], sanction.get("article", "")),
        authorities=tuple((a["code"], a["level"]) for a in obj["authority"]),
        source=obj["source"],
        window=obj.get("window"),
        election=obj.get("election"),
        valid_from=_day(obj.get("from")),
        valid_until=_day(obj.get("until")),
        verified_by=obj.get("verified_by"),
    )


@functools.cache
def _data() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("regulations.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@functools.cache
def catalogue() -> dict[str, Rule]:
    """Every rule of the catalogue by key, in the data's order."""
    return {k: rule_from_json(k, v) for k, v in _data()["rules"].items()}


def canonical_category(code: str) -> str:
    """The category code of the intake form (``crypto.report_schema.CATEGORIES``) for ``code``, also
    accepting older or Indonesian spellings ("mobilisasi"); ``other`` when unknown."""
    low = code.strip().lower()
    if low in CATEGORIES:
        return low
    aliases: dict[str, str] = _data()["aliases"]
    return aliases.get(low, "other")


def election_kind(election: str) -> str | None:
    """ "pemilu", "pilkada" or None, from free text such as "Pilkada 2024"."""
    low = election.lower()
    if "pilkada" in low or "pemilihan kepala daerah" in low:
        return "pilkada"
    return "pemilu" if "pemilu" in low or "pemilihan umum" in low else None


def check_role(role: str | None) -> str | None:
    """``role`` if it is a code of :data:`reviewer.vocabulary.ROLES` (or None/empty → None);
    UsageError otherwise."""
    if role is None or not role.strip():
        return None
    if role.strip() not in ROLES:
        raise UsageError("err.role_reported", role=role, choices=", ".join(ROLES))
    return role.strip()


def category_keys(category: str) -> list[str]:
    """The keys of every rule the catalogue links to ``category``, whatever their dates."""
    keys: list[str] = _data()["categories"][canonical_category(category)]
    return list(keys)


def related(category: str, incident: dt.date | None, election: str = "") -> list[Rule]:
    """Every rule the catalogue links to ``category`` that was in force for the incident and
    election, whatever its kind and whomever it binds."""
    table = catalogue()
    keys = _data()["categories"][canonical_category(category)]
    kind = election_kind(election)
    return [table[k] for k in keys if table[k].applies(incident, kind)]


def rules_for(
    category: str, incident: dt.date | None, election: str = "", role: str | None = None
) -> list[Rule]:
    """The rules a report of ``category`` may allege were broken by a person of ``role``
    (None: not stated, so every subject; the dossier then names whom each rule binds)."""
    return [r for r in related(category, incident, election) if r.kind == CITABLE and r.binds(role)]


def breached(
    category: str, incident: dt.date | None, election: str = "", role: str | None = None
) -> list[str]:
    """The texts of :func:`rules_for`, most general first."""
    return [r.text for r in rules_for(category, incident, election, role)]


def unverified() -> list[Rule]:
    """The entries no lawyer has verified (``verified_by`` empty)."""
    return [r for r in catalogue().values() if not r.verified]
