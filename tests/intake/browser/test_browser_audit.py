"""Browser regressions from the intake audit (docs/AUDIT-intake.md): the follow-up page must
not let the server choose which signed status is "current"."""

from __future__ import annotations

import re
from typing import Any

import pytest

from crypto import records
from intake import i18n

pytestmark = pytest.mark.browser


def _make_case(live: Any, org: Any) -> str:
    """A stored case with two genuine statuses (received, then in_review); returns the receipt."""
    code, case_id, _ = live.stored_case(org, signed_followups=False)
    vault = live.app.extensions["bisik"].vault
    budi = org.reviewers["budi"]
    for state_name, at in (
        ("received", "2026-11-01T08:00:00+00:00"),
        ("in_review", "2026-11-02T08:00:00+07:00"),
    ):
        vault.add_status(case_id, records.status(budi.signing, case_id, state_name, at=at))
    return code


def test_status_order_from_server_is_not_trusted(page: Any, live: Any, org: Any) -> None:
    """F13 in docs/AUDIT-intake.md. A server that sends the genuine records oldest-last (or
    twice) cannot make an older status look current: the browser orders verified records by
    (time in UTC, id) itself."""
    code = _make_case(live, org)

    def reorder(route: Any) -> None:
        response = route.fetch()
        data = response.json()
        assert len(data["statuses"]) >= 2, "the case has statuses to reorder"
        data["statuses"] = [*reversed(data["statuses"]), data["statuses"][0]]
        route.fulfill(response=response, json=data)

    page.route(re.compile(r".*/api/case$"), reorder)
    live.open_followup(page, code)
    status = page.locator("#current-status")
    assert status.inner_text(timeout=30_000) == i18n.translate("id", "status.in_review")
    rows = page.locator("table tbody tr").all_inner_texts()
    assert len(rows) == 2  # the duplicate is shown once
    assert i18n.translate("id", "status.received") in rows[0]
    assert i18n.translate("id", "status.in_review") in rows[1]
