"""The linked history a reporter may see: old cases the reviewers linked and chose to share.

A reporter who lost a receipt and reported again sees, on the new receipt's follow-up page,
the coarse history of the old case — its received day and its verified statuses by day —
when a reviewer linked the two with ``share`` (crypto/SPEC.md §15). Nothing else of the old
case: no replies (sealed to the old receipt's key), no notes, no content.

Every link record is verified against the directory before it counts; the newest record for a
pair decides (an unlink ends it); the old case's statuses are verified as on its own page.

Leaks: nothing new to the server, which stored both cases and the link; to the holder of the
new receipt, the old case's dates and statuses — which is what the reviewers chose to share.
"""

from __future__ import annotations

from dataclasses import dataclass

from crypto import links, records
from crypto.errors import BisikError

from .followup import StatusView, status_view
from .state import Intake


@dataclass(frozen=True)
class LinkedView:
    """One shared old case as the page shows it."""

    received_day: str
    statuses: list[StatusView]


def shared_links(intake: Intake, case_id: str) -> list[tuple[bytes, str]]:
    """(link record, old case id) of the links of ``case_id`` that verify and share now."""
    bodies, raw = [], {}
    for data in intake.vault.case_history(case_id).links:
        try:
            body, _reviewer = records.verify(data, intake.directory(), links.KIND)
        except BisikError:
            continue  # a record that does not verify is never shown
        if body["case"] == case_id:
            bodies.append(body)
            raw[body["id"]] = data
    return [
        (raw[b["id"]], b["other"])
        for b in links.current(bodies).values()
        if b["linked"] and b["share"]
    ]


def shared_history(intake: Intake, case_id: str) -> list[LinkedView]:
    """The old cases' coarse histories the page may show, each verified."""
    out = []
    for _record, other in shared_links(intake, case_id):
        hist = intake.vault.case_history(other)
        statuses = [status_view(intake, other, rec) for rec in hist.statuses]
        out.append(
            LinkedView(hist.case.received_day.isoformat(), [s for s in statuses if s is not None])
        )
    return out
