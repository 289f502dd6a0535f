"""Signed case records (crypto.records, SPEC §7): body rules, times and who may sign."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto import records, signed
from crypto.directory import Reviewer, sign_directory, verify_directory
from crypto.errors import FormatError
from crypto.keys import KeyPair

from .helpers import ROOT, TODAY, reviewer_entry


def test_regression_record_time_without_zone_is_rejected() -> None:
    """Bug: order_key() turned a zoneless time into UTC by the machine's local zone, so two
    laptops could order the same records differently."""
    alice, pair = reviewer_entry("alice")
    d = verify_directory(
        sign_directory(ROOT, "Org", 1, dt.date(2027, 1, 1), [alice]), ROOT.public_key(), TODAY
    )
    good = records.status(
        pair.signing, "C1", "escalated", authority="BKN", at="2026-11-20T15:00:00+07:00"
    )
    body, who = records.verify(good, d, "status")
    assert who.id == "alice" and records.order_key(body)[0].startswith("2026-11-20T08:00:00")
    with pytest.raises(FormatError):
        records.verify(
            records.status(pair.signing, "C1", "in_review", at="2026-11-20T15:00:00"), d, "status"
        )
    sha = "ab" * 32
    assert records.verify(records.reply(pair.signing, "C1", sha), d, "reply")[0]["case"] == "C1"
    with pytest.raises(FormatError):
        records.verify(records.reply(pair.signing, "C1", "XY" * 32), d, "reply")
    with pytest.raises(ValueError):
        records.status(pair.signing, "C1", "escalated")


def _budi() -> tuple[Reviewer, Ed25519PrivateKey]:
    pair = KeyPair.generate()
    day = dt.date(2026, 1, 1)
    return Reviewer("budi", "Budi", "reviewer", pair.public, day, day), pair.signing


def _status_body(**change: object) -> dict[str, object]:
    body: dict[str, object] = {
        "v": 1,
        "case": "c1",
        "state": "escalated",
        "authority": "BKN",
        "at": "2026-11-21T09:00:00+00:00",
        "id": "0" * 32,
    }
    body.update(change)
    return body


def test_status_authority_that_is_not_text_is_rejected() -> None:
    """Audit regression (docs/AUDIT-reviewer.md).

    Bug: an ``escalated`` status accepted any truthy authority (a list, an object)."""
    records.check_body(_status_body(), "status")  # the good one passes
    for bad in (["BKN"], {"n": "BKN"}, 7):
        with pytest.raises(FormatError):
            records.check_body(_status_body(authority=bad), "status")


def test_record_of_inactive_signer_gets_the_full_body_check() -> None:
    """Audit regression (docs/AUDIT-reviewer.md).

    Bug: records of revoked signers were verified by signature only, so a zoneless or
    garbage ``at`` got through and crashed whoever sorted the history (order_key)."""
    reviewer, key = _budi()
    good = signed.sign(key, "status", _status_body()).to_bytes()
    assert records.verify_with(good, reviewer, "status")["state"] == "escalated"
    for at in ("2026-11-21T09:00:00", "kemarin"):
        bad = signed.sign(key, "status", _status_body(at=at)).to_bytes()
        with pytest.raises(FormatError):
            records.verify_with(bad, reviewer, "status")


def test_record_time_that_overflows_utc_is_a_format_error() -> None:
    """Audit regression (docs/AUDIT-reviewer.md).

    Bug: 0001-01-01T00:00+01:00 parses, but converting it to UTC (order_key) overflowed."""
    from crypto import records
    from crypto.errors import FormatError

    body = {
        "v": 1,
        "case": "c",
        "id": "0" * 32,
        "state": "received",
        "authority": None,
        "at": "0001-01-01T00:00+01:00",
    }
    with pytest.raises(FormatError):
        records.check_body(body, "status")
