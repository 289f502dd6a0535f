"""``bisik-server export`` sends what is not acknowledged yet (issue 9: without ``--since`` it
sent every case again even after an outbox had acknowledged the earlier export, because one
reviewer who never sent an outbox held the start at 0). ``--since N`` and ``--all`` stay."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from crypto import records
from crypto.directory import verify_directory
from crypto.keys import load_ed25519_public
from intake import cli
from vault.bundle import OutboxWriter, read_export

from .conftest import Org, csrf_of, receipt_of
from .helpers import history_of, report_fields


def _report(app: Flask) -> str:
    """A no-JS report; returns its case id."""
    client = app.test_client()
    page = client.post(
        "/submit", data=report_fields(csrf_of(client)), content_type="multipart/form-data"
    ).get_data(as_text=True)
    return history_of(app, receipt_of(page)).case.id


def _directory(home: Path):  # type: ignore[no-untyped-def]
    root = load_ed25519_public((home / "org" / "root.pub").read_bytes())
    data = (home / "org" / "directory.json").read_bytes()
    return verify_directory(data, root, dt.datetime.now(dt.UTC).date())


def _export(home: Path, out: Path, *flags: str) -> tuple[set[str], int]:
    """Run the CLI; the case ids in the bundle and its last sequence number."""
    assert cli.main(["--home", str(home), "export", "--out", str(out), *flags]) == 0
    with read_export(out, _directory(home)) as bundle:
        return {i.case for i in bundle.items()}, bundle.manifest.seq_to


def test_export_without_since_skips_what_an_outbox_acknowledged(
    home: Path, make_app: Callable[..., Flask], org: Org, tmp_path: Path
) -> None:
    app = make_app()
    first, second = _report(app), _report(app)
    app.extensions["bisik"].vault.close()
    cases, seq_to = _export(home, tmp_path / "e1.bundle")
    assert cases == {first, second}
    # ani's laptop imports it and sends an outbox (a status, and the acknowledgement);
    # budi has never sent one
    ani = org.reviewers["ani"]
    outbox = tmp_path / "outbox.bundle"
    with OutboxWriter(outbox, ani.signing, _directory(home), ack=seq_to) as out:
        out.add_status(records.status(ani.signing, first, "in_review"))
    assert cli.main(["--home", str(home), "import", str(outbox)]) == 0

    app = make_app()
    third = _report(app)
    app.extensions["bisik"].vault.close()
    cases, _ = _export(home, tmp_path / "e2.bundle")
    assert cases == {first, third}  # the new case, and the status the server got back
    assert _export(home, tmp_path / "e3.bundle", "--all")[0] == {first, second, third}
    assert _export(home, tmp_path / "e4.bundle", "--since", "0")[0] == {first, second, third}
    assert _export(home, tmp_path / "e5.bundle", "--since", str(seq_to))[0] == {first, third}


def test_export_all_and_since_cannot_be_combined(home: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(
            ["--home", str(home), "export", "--out", str(tmp_path / "x"), "--all", "--since", "3"]
        )
    assert stop.value.code == 2
