"""The outbox writer (vault.bundle.outbox): only its reviewer's records."""

from __future__ import annotations

import pytest

from crypto.errors import BisikError
from vault.bundle import (
    OutboxWriter,
)

from ..helpers import (
    record_status,
)


def test_outbox_writer_refuses_another_reviewers_record(tmp_path, org):
    rec = record_status(org, "rev_b", "casex", "in_review", "2026-11-29T00:00:00+00:00")
    with (
        pytest.raises(BisikError),
        OutboxWriter(tmp_path / "o", org.signer("rev_a"), org.directory, ack=0) as out,
    ):
        out.add_status(rec)
    assert list(tmp_path.iterdir()) == [], "an aborted writer leaves nothing"
