"""The bodies the law names as competent (data in ``authorities.json``), the ones a dossier
can be sent to, the official a letter is addressed to at each level, and name matching.

A reviewer types ``--to "Ombudsman RI"`` or ``--to ombudsman``; the reporter's consent may name
authorities either way. Both are reduced to one code by :func:`code_of`. An entry marked
``"active": false`` stays in the data unused; an active entry that ``replaces`` other codes
takes over every rule naming them (:func:`effective`), so a new supervisory body is one data
change away.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ..errors import AuthorityError

OTHER_PREFIX = "other:"


@dataclass(frozen=True)
class Authority:
    """One recipient body: ``code`` (stable), short ``name``, ``formal`` name and its role."""

    code: str
    name: str
    formal: str
    role_id: str = ""
    role_en: str = ""
    levels: tuple[tuple[str, str], ...] = ()  # (level, official's title template)
    default_level: str = ""
    recipient: bool = False  # a dossier may be sent to it (a consent code)
    active: bool = True
    replaces: tuple[str, ...] = ()

    def official(self, level: str | None = None, place: str = "") -> str:
        """The official a letter to this body is addressed to at ``level`` (default level when
        None), ``{place}`` filled with ``place``; AuthorityError for a level it does not have
        or a title that needs a place when none is given."""
        chosen = level or self.default_level
        table = dict(self.levels)
        if chosen not in table:
            raise AuthorityError(
                f"{self.name} has no level {chosen!r}; levels: {', '.join(table) or '-'}"
            )
        title = table[chosen]
        if "{place}" in title:
            if not place.strip():
                raise AuthorityError(f"the {chosen} level of {self.name} needs --place")
            title = title.replace("{place}", " ".join(place.split()))
        return title


def _raw() -> dict[str, dict[str, object]]:
    text = resources.files(__package__).joinpath("authorities.json").read_text("utf-8")
    raw: dict[str, dict[str, object]] = json.loads(text)
    return {k: v for k, v in raw.items() if not k.startswith("_")}


def from_json(code: str, v: dict[str, Any]) -> Authority:
    """One ``authorities.json`` entry as an :class:`Authority` (also for a test's own data)."""
    return Authority(
        code,
        v["name"],
        v["formal"],
        v["role"]["id"],
        v["role"]["en"],
        tuple(v.get("levels", {}).items()),
        str(v.get("default_level", "")),
        bool(v.get("recipient", False)),
        bool(v.get("active", True)),
        tuple(v.get("replaces", ())),
    )


@functools.cache
def _table() -> dict[str, Authority]:
    return {code: from_json(code, dict(v)) for code, v in _raw().items()}


@functools.cache
def _aliases() -> dict[str, str]:
    out: dict[str, str] = {}
    for code, v in _raw().items():
        for alias in [code, v["name"], *v["aliases"]]:  # type: ignore[misc]
            out[_squash(str(alias))] = code
    return out


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def known() -> list[Authority]:
    """The authorities a dossier can be sent to (active recipients), in catalogue order."""
    return [a for a in _table().values() if a.recipient and a.active]


def every() -> list[Authority]:
    """Every body in the data, recipients or not, active or not."""
    return list(_table().values())


def get(code: str) -> Authority:
    """The body with ``code`` (any entry of the data); AuthorityError if there is none."""
    try:
        return _table()[code]
    except KeyError:
        raise AuthorityError(f"unknown authority code {code!r}") from None


def effective(code: str, table: dict[str, Authority] | None = None) -> str:
    """The code that handles what ``code`` is named for: an active body that ``replaces`` it
    (MK 121/PUU-XXII/2024's supervisory body, once formed), else ``code`` itself."""
    for a in (table or _table()).values():
        if a.active and code in a.replaces:
            return a.code
    return code


def code_of(name: str) -> str | None:
    """The code of a listed authority named ``name`` (any spelling), else None."""
    return _aliases().get(_squash(name))


def status_name(name: str) -> str:
    """What an ``escalated`` status signs for ``name``: a listed authority's code (any
    spelling: "Ombudsman RI" → ``ombudsman``), else the name as typed (a body outside the
    list). The code is what the consent rules compare exactly (crypto/SPEC.md §14.3)."""
    return code_of(name) or name.strip()


def resolve(to: str | None = None, to_other: str | None = None) -> Authority:
    """The authority a dossier goes to: a listed one (``to``) or another named body."""
    if bool(to) == bool(to_other):
        raise AuthorityError("give exactly one of --to or --to-other")
    if to:
        code = code_of(to)
        if code is None:
            raise AuthorityError(f"unknown authority {to!r}")
        found = _table()[code]
        if not (found.recipient and found.active):
            raise AuthorityError(f"{found.name} does not take dossiers: {found.role_en}")
        return found
    name = " ".join(str(to_other).split())
    if not name or len(name) > 120:
        raise AuthorityError("the other body needs a name of at most 120 characters")
    return Authority(
        OTHER_PREFIX + _squash(name),
        name,
        name,
        levels=(("lain", name),),
        default_level="lain",
        recipient=True,
    )


def consented(authority: Authority, consent: frozenset[str]) -> bool:
    """Whether the reporter's consent covers ``authority``.

    A listed authority is covered when the consent names it (any spelling). Another body is
    covered only when the consent names it or says ``"other"`` explicitly.
    """
    codes = {code_of(c) or _squash(c) for c in consent}
    if authority.code.startswith(OTHER_PREFIX):
        return "other" in codes or authority.code[len(OTHER_PREFIX) :] in codes
    return authority.code in codes
