"""The reviewer directory (crypto.directory, SPEC §6): rollback, activity, reviewer ids."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto import records
from crypto.directory import Reviewer, sign_directory, verify_directory
from crypto.errors import FormatError, SignatureError
from crypto.keys import KeyPair

from .helpers import ROOT, TODAY, reviewer_entry


def test_directory_rollback_and_active_reviewers() -> None:
    alice, _ = reviewer_entry("alice")
    budi, budi_keys = reviewer_entry("budi")
    data = sign_directory(
        ROOT, "Org", 5, dt.date(2027, 1, 1), [alice, budi], revoked=[budi.signer_id]
    )
    d = verify_directory(data, ROOT.public_key(), TODAY, min_serial=5)
    assert [r.id for r in d.active_reviewers()] == ["alice"]
    assert d.recipients() == [alice.keys.encryption]
    with pytest.raises(SignatureError):
        d.recipients(exclude=frozenset({"alice"}))
    with pytest.raises(SignatureError):
        verify_directory(data, ROOT.public_key(), TODAY, min_serial=6)
    record = records.status(budi_keys.signing, "C1", "in_review")
    with pytest.raises(SignatureError):
        records.verify(record, d, "status")


def test_reviewer_id_must_be_an_ascii_identifier() -> None:
    """Audit regression (docs/AUDIT-reviewer.md).

    Bug: str.isidentifier() admitted any Unicode letter: "аyu" (Cyrillic а) beside "ayu"
    looked like one reviewer, and the browser (ASCII only) refused a directory Python took."""
    from crypto.directory import sign_directory, verify_directory

    root = Ed25519PrivateKey.generate()
    day = dt.date.today()
    for rid, ok in (("ayu_2", True), ("\u0430yu", False), ("d\u00e9vi", False), ("2ayu", False)):
        entry = Reviewer(rid, "R", "reviewer", KeyPair.generate().public, day, day)
        data = sign_directory(root, "Org", 1, day + dt.timedelta(days=1), [entry])
        if ok:
            assert verify_directory(data, root.public_key()).reviewers[0].id == rid
        else:
            with pytest.raises(FormatError):
                verify_directory(data, root.public_key())
