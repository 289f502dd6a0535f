"""PostgreSQL restarting under the service (issue 8, faults): while it is down, a reporter is
told "unavailable, try again" (503), not shown an internal error, and no case or half case is
kept (only sealed blobs no row refers to, which retention sweeps);
once it is back, the same app serves again without a restart, and the receipt answered before
the outage still opens its case. Runs on a PostgreSQL cluster of its own (free port), so it can
crash it; the shared server is never touched.

The promise: docs/THREAT_MODEL.md P8 (one hostile client cannot stop the service or destroy
what is stored: a database crash costs the reports sent during it, never a stored one).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import OwnPostgres

from ..conftest import csrf_of, receipt_of
from ..helpers import report_fields


@pytest.fixture
def own_pg() -> Iterator[OwnPostgres]:
    pg = OwnPostgres()
    try:
        pg.init()
        pg.start()
        yield pg
        pg.stop("immediate")
    finally:
        pg.remove()


def _files(home: Path) -> list[str]:
    return sorted(
        str(p.relative_to(home)) for p in home.rglob("*") if p.is_file() and "logs" not in p.parts
    )


@pytest.mark.slow
def test_database_crash_gives_503_then_service_resumes(  # type: ignore[no-untyped-def]
    make_app, own_pg: OwnPostgres, home: Path
) -> None:
    app = make_app(db_url=own_pg.url)
    client = app.test_client()
    sent = client.post(
        "/submit", data=report_fields(csrf_of(client)), content_type="multipart/form-data"
    )
    code = receipt_of(sent.get_data(as_text=True))
    vault = app.extensions["bisik"].vault
    before = (vault.last_seq(), _files(home))

    own_pg.stop("immediate")  # a crash, as kill -9 of the postmaster would be
    token = csrf_of(client)
    down = client.post("/submit", data=report_fields(token), content_type="multipart/form-data")
    assert down.status_code == 503
    looked = client.post(
        "/followup", data={"csrf_token": csrf_of(client, "/followup"), "receipt": code}
    )
    assert looked.status_code == 503

    own_pg.start()
    # no case and no row appeared; the only new files are sealed blobs no row refers to (the
    # sealer wrote them before the insert failed; with the database down the service cannot
    # prove nothing else refers to them, so it leaves them to retention's orphan sweep)
    assert vault.last_seq() == before[0]
    new = sorted(set(_files(home)) - set(before[1]))
    assert all(name.startswith("blobs/") for name in new), new
    for name in new:
        assert report_fields("x")["description"].encode() not in (home / name).read_bytes()
    again = client.post(
        "/followup", data={"csrf_token": csrf_of(client, "/followup"), "receipt": code}
    )
    assert again.status_code == 200
    later = client.post(
        "/submit", data=report_fields(csrf_of(client)), content_type="multipart/form-data"
    )
    assert 'id="receipt"' in later.get_data(as_text=True)
