"""How a step of the escalation chain is said to a person: the labels of its stage and sanction
level, the authority's name and the overdue reminder, in the catalogue's language (Indonesian
unless English is chosen).

One wording for every front end (the CLI's ``track``, the desktop app's tracking screen), so a
stage or a reminder reads the same in the terminal and in the window. Codes this laptop's data
does not know (a stage or an authority added on a colleague's newer laptop) are shown as the
code itself, never refused (crypto/SPEC.md §16).
"""

from __future__ import annotations

from ..errors import AuthorityError
from ..i18n import label, t
from . import authorities
from .chain import Overdue


def stage_label(code: str) -> str:
    """The stage's name in the chosen language, or ``code`` if this laptop does not know it."""
    return label("chain.stage", code)


def level_label(code: str) -> str:
    """The sanction level's name (PP 94/2021's words, glossed in English), or ``code``."""
    return label("chain.level", code)


def authority_name(code: str) -> str:
    """The authority's short name (``BKN``, ``Ombudsman RI``), or ``code`` if it is unknown."""
    try:
        return authorities.get(code).name
    except AuthorityError:
        return code


def overdue_text(late: Overdue, case: str) -> str:
    """The reminder for an overdue step (``track --overdue``): stage, since when, the deadline,
    how many days late and whether the period is the law's or the organisation's own.
    ``case`` is how the case is named on the screen (usually its short id)."""
    basis = t("chain.basis_law") if late.legal else t("chain.basis_policy")
    return t(
        "chain.overdue",
        case=case,
        stage=stage_label(late.step.stage),
        day=late.step.day.isoformat(),
        deadline=late.deadline.isoformat(),
        n=late.days_late,
        basis=basis,
    )
