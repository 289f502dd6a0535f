"""Taking blobs back: a refused request removes only bytes it created that no row references,
and retention never removes a blob another case still references (issue 8, replay finding).
Run on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest

from crypto import envelope
from crypto.keys import KeyPair, raw_public
from tests.vault.helpers import Reviewer, new_case
from vault.errors import MissingBlobError
from vault.retention import RetentionPolicy, apply
from vault.store import Vault
from vault.transfer import ack_cursor


def _report(vault: Vault) -> str:
    return new_case(vault, Reviewer.new(), evidence=1)


def test_discard_keeps_bytes_a_case_holds(vault: Vault) -> None:
    case = _report(vault)
    stored = next(e for e in vault.case_history(case).entries if e.kind == "report")
    assert stored.blob is not None
    with vault.blobs.open(stored.blob.sha256) as f:
        again = vault.blobs.add_bytes(f.read())  # the same bytes, sent again
    assert not again.created
    assert vault.discard([again]) == []
    # even a caller that wrongly believes it created them cannot remove a referenced blob
    assert vault.delete_unreferenced([stored.blob.sha256]) == []
    assert vault.blobs.verify(stored.blob.sha256)


def test_discard_removes_what_the_request_created(vault: Vault) -> None:
    sealed = envelope.seal(secrets.token_bytes(100), [KeyPair.generate().public.encryption])
    written = vault.blobs.add_bytes(sealed)
    assert written.created
    assert vault.discard([written]) == [written.ref.sha256]
    assert not vault.blobs.exists(written.ref.sha256)
    # a request that comes after the removal cannot reference the vanished bytes
    with pytest.raises(MissingBlobError):
        vault.create_case(
            lookup_tag=secrets.token_bytes(32),
            reply_public=raw_public(KeyPair.generate().encryption.public_key()),
            recipients=["rev-a"],
            report_blob=written.ref,
            evidence=[],
        )


def test_retention_keeps_a_blob_shared_with_a_surviving_case(vault: Vault) -> None:
    r = Reviewer.new()
    doomed = new_case(vault, r, evidence=1)
    evidence = vault.case_history(doomed).entries[0].evidence[0]
    survivor = new_case(vault, r, evidence=0)
    vault.add_message(survivor, kind="message", blob=evidence)  # the same envelope, twice
    at = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC).isoformat()
    vault.add_status(doomed, r.status(doomed, "closed_substantiated", at))
    vault.set_cursor(ack_cursor("ani"), vault.last_seq())  # the reviewers acknowledged it all
    done = apply(vault, RetentionPolicy(closed_case_days=30), dt.date(2026, 6, 30))
    assert done.cases == (doomed,)
    assert evidence.sha256 not in done.blobs
    assert vault.blobs.verify(evidence.sha256)
    assert vault.case_history(survivor).entries[-1].blob == evidence
