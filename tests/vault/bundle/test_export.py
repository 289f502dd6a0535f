"""The export writer (vault.bundle.export): order rules, empty exports."""

from __future__ import annotations

import pytest

from vault.bundle import (
    read_export,
)

from ..helpers import (
    record_status,
)


def test_export_writer_enforces_order(tmp_path, org):
    from vault.bundle import ExportWriter

    with ExportWriter(tmp_path / "e", org.server, seq_from=5) as w:
        with pytest.raises(ValueError):  # an item before its case descriptor
            w.add_record("status", "casea", 6, b"{}")
        w.add_case("casea", "2026-11-29", ["rev_a"], "A" * 43)
        w.add_record(
            "status",
            "casea",
            6,
            record_status(org, "rev_a", "casea", "in_review", "2026-11-29T00:00:00+00:00"),
        )
        with pytest.raises(ValueError):  # sequence going backwards
            w.add_record("status", "casea", 5, b"{}")
        w.add_case("caseb", "2026-11-29", ["rev_a"], "A" * 43)
        with pytest.raises(ValueError):  # one journal entry (seq 6) cannot span two cases
            w.add_record("status", "caseb", 6, b"{}")
    assert list(tmp_path.iterdir()) == [], "never finished: nothing left"


def test_empty_export_is_valid(tmp_path, org):
    from vault.bundle import ExportWriter

    with ExportWriter(tmp_path / "e", org.server, seq_from=9) as w:
        manifest = w.finish(9)
    with read_export(tmp_path / "e", org.directory) as b:
        assert (b.manifest, list(b.items())) == (manifest, [])
