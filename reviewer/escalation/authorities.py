"""The bodies a dossier can be sent to (data in ``authorities.json``), and name matching.

A reviewer types ``--to "Ombudsman RI"`` or ``--to ombudsman``; the reporter's consent may name
authorities either way. Both are reduced to one code by :func:`code_of`.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources

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


@functools.cache
def _table() -> dict[str, Authority]:
    raw = json.loads(resources.files(__package__).joinpath("authorities.json").read_text("utf-8"))
    return {code: Authority(code, v["name"], v["formal"], v["role"]["id"], v["role"]["en"])
            for code, v in raw.items() if not code.startswith("_")}  # fmt: skip


@functools.cache
def _aliases() -> dict[str, str]:
    raw = json.loads(resources.files(__package__).joinpath("authorities.json").read_text("utf-8"))
    out: dict[str, str] = {}
    for code, v in raw.items():
        if not code.startswith("_"):
            for alias in [code, v["name"], *v["aliases"]]:
                out[_squash(alias)] = code
    return out


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def known() -> list[Authority]:
    """The listed authorities, in catalogue order."""
    return list(_table().values())


def code_of(name: str) -> str | None:
    """The code of a listed authority named ``name`` (any spelling), else None."""
    return _aliases().get(_squash(name))


def resolve(to: str | None = None, to_other: str | None = None) -> Authority:
    """The authority a dossier goes to: a listed one (``to``) or another named body."""
    if bool(to) == bool(to_other):
        raise AuthorityError("give exactly one of --to or --to-other")
    if to:
        code = code_of(to)
        if code is None:
            raise AuthorityError(f"unknown authority {to!r}")
        return _table()[code]
    name = " ".join(str(to_other).split())
    if not name or len(name) > 120:
        raise AuthorityError("the other body needs a name of at most 120 characters")
    return Authority(OTHER_PREFIX + _squash(name), name, name)


def consented(authority: Authority, consent: frozenset[str]) -> bool:
    """Whether the reporter's consent covers ``authority``.

    A listed authority is covered when the consent names it (any spelling). Another body is
    covered only when the consent names it or says ``"other"`` explicitly.
    """
    codes = {code_of(c) or _squash(c) for c in consent}
    if authority.code.startswith(OTHER_PREFIX):
        return "other" in codes or authority.code[len(OTHER_PREFIX):] in codes
    return authority.code in codes
