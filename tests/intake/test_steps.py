"""What the reporter's page makes of tracking steps (intake/steps.py, crypto/SPEC.md §16):
verified steps by day with catalogue names; another case's step, an unknown signer's step
dropped and counted; an unknown stage shown as "another stage", an unknown authority by code."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask

from crypto import tracking
from intake.steps import verified_steps

from .conftest import Org


def test_steps_are_verified_ordered_and_coarse(app: Flask, org: Org) -> None:
    budi = org.reviewers["budi"].signing
    at = "2026-11-20T08:00:00+00:00"
    steps = [
        tracking.step(budi, "c1", "bkn", "forwarded", "2026-11-10", at=at),
        tracking.step(budi, "c1", "bawaslu", "acknowledged", "2026-11-02", reference="9/X", at=at),
        tracking.step(budi, "c1", "badan_baru", "tahap_baru", "2026-11-12", at=at),
        tracking.step(budi, "other", "bawaslu", "sent", "2026-11-01", at=at),
        tracking.step(
            Ed25519PrivateKey.generate(),
            "c1",
            "ppk",
            "sanction",
            "2026-11-15",
            level="berat",
            at=at,
        ),
    ]
    views, dropped = verified_steps(app.extensions["bisik"].directory(), "c1", steps)
    assert dropped == 2
    assert [(v.day, v.stage_key, v.authority_key) for v in views] == [
        ("2026-11-02", "track.stage.acknowledged", "track.authority.bawaslu"),
        ("2026-11-10", "track.stage.forwarded", "track.authority.bkn"),
        ("2026-11-12", "track.stage.other", None),
    ]
    assert views[2].authority_code == "badan_baru"
    assert not any("9/X" in repr(v) for v in views)  # the reference never reaches the page
