"""Reviewer entries with fresh keys, a root key and a fixed day: what the directory and record
tests sign and verify directories with."""

from __future__ import annotations

import datetime as dt

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto.directory import Reviewer
from crypto.keys import KeyPair

ROOT = Ed25519PrivateKey.generate()
TODAY = dt.date(2026, 11, 29)


def reviewer_entry(rid: str) -> tuple[Reviewer, KeyPair]:
    """An ordinary reviewer ``rid`` active through 2026, and its key pair."""
    pair = KeyPair.generate()
    return Reviewer(
        rid, rid.title(), "reviewer", pair.public, dt.date(2026, 1, 1), dt.date(2027, 1, 1)
    ), pair
