"""vault.transfer on SQLite and PostgreSQL: export → laptop → outbox → import, and rejections.

The laptop is a harness (tests/vault/helpers.py) that uses the real reader,
real decryption with a reviewer key and the real outbox writer. "Untouched" is checked by
comparing every row of every table and the blob store's files before and after.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crypto import envelope, records, signed
from vault.bundle import (
    BundleContentError,
    BundleError,
    BundleSignatureError,
    OutboxWriter,
    read_export,
)
from vault.transfer import (
    ImportSummary,
    ack_cursor,
    export_bundle,
    import_outbox,
    load_directory,
)

from .helpers import (
    Server,
    add_case,
    db_snapshot,
    ed25519,
    make_org,
    open_server,
    record_status,
    reviewer_import,
    write_outbox,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server(vault_db_url, tmp_path):
    srv = open_server(tmp_path / "home", vault_db_url)
    yield srv
    srv.vault.close()


def _export(server: Server, path: Path, **kw):
    return export_bundle(server.vault, server.org.server, path, **kw)


def _import(server: Server, path: Path):
    return import_outbox(server.vault, server.org.directory, path)


def test_round_trip_status_and_reply_reach_case_history(server, tmp_path):
    cases = [add_case(server, evidence=2) for _ in range(3)]
    summary = _export(server, tmp_path / "e1")
    assert (summary.seq_from, summary.cases) == (0, 3)
    assert summary.items == 3 * (1 + 3)  # descriptor, report and two evidence envelopes
    lap = reviewer_import(tmp_path / "e1", server.org, "rev_a")
    assert sorted(lap.reports) == sorted(cases)
    assert all(r.startswith(b"LAPORAN ") for r in lap.reports.values())

    write_outbox(tmp_path / "o1", server.org, "rev_a", lap, state="need_info")
    result = _import(server, tmp_path / "o1")
    assert (result.statuses, result.replies, result.duplicates) == (3, 3, 0)
    assert (result.reviewer, result.ack, result.already_imported) == ("rev_a", lap.seq_to, False)

    for case in cases:
        history = server.vault.case_history(case)
        assert history.case.status == "need_info"
        body, reviewer = records.verify(history.statuses[-1], server.org.directory, "status")
        assert (body["case"], reviewer.id) == (case, "rev_a")
        ((record, blob),) = history.replies
        with server.vault.blobs.open(blob.sha256) as f:  # the reporter can read the reply
            assert envelope.unseal(f.read(), server.reporters[case]) == b"Terima kasih."
        assert signed.body_of(record)["envelope_sha256"] == blob.sha256
    assert server.vault.get_cursor(ack_cursor("rev_a")) == lap.seq_to


def test_next_export_converges_other_laptops(server, tmp_path):
    """rev_a's status and reply go out to rev_b; the cursor is the lowest acknowledgement
    among the laptops that acknowledge at all."""
    case = add_case(server)
    _export(server, tmp_path / "e1")
    lap_a = reviewer_import(tmp_path / "e1", server.org, "rev_a")
    write_outbox(tmp_path / "oa", server.org, "rev_a", lap_a)
    _import(server, tmp_path / "oa")
    # rev_b never acknowledged anything: it does not hold the default back to the start ...
    assert _export(server, tmp_path / "e2").seq_from == lap_a.seq_to
    # ... and its laptop, joining late, asks for everything
    assert _export(server, tmp_path / "e2", since=0).seq_from == 0
    lap_b = reviewer_import(tmp_path / "e2", server.org, "rev_b")
    write_outbox(tmp_path / "ob", server.org, "rev_b", lap_b, cases=[])  # ack only
    _import(server, tmp_path / "ob")
    third = _export(server, tmp_path / "e3")
    assert third.seq_from == lap_a.seq_to
    lap_b2 = reviewer_import(tmp_path / "e3", server.org, "rev_b")
    assert lap_b2.kinds == ["case", "status", "reply", "reply"]  # descriptor, record, envelope
    assert {(k, c) for k, c, _ in lap_b2.records} == {("status", case), ("reply", case)}
    fourth = _export(server, tmp_path / "e4", since=third.seq_to)
    assert (fourth.items, fourth.seq_from, fourth.seq_to) == (0, third.seq_to, third.seq_to)
    assert reviewer_import(tmp_path / "e4", server.org, "rev_b").kinds == []


def test_replayed_bundle_changes_nothing(server, tmp_path):
    add_case(server)
    _export(server, tmp_path / "e")
    lap = reviewer_import(tmp_path / "e", server.org, "rev_a")
    write_outbox(tmp_path / "o", server.org, "rev_a", lap)
    _import(server, tmp_path / "o")
    before = db_snapshot(server.vault)
    again = _import(server, tmp_path / "o")
    assert again.already_imported and (again.statuses, again.replies) == (0, 0)
    assert db_snapshot(server.vault) == before


def test_records_replayed_in_a_new_bundle_are_duplicates(server, tmp_path):
    case = add_case(server)
    _export(server, tmp_path / "e")
    st_rec = record_status(server.org, "rev_a", case, "in_review", "2026-11-29T08:00:00+00:00")
    for name in ("o1", "o2"):
        with OutboxWriter(
            tmp_path / name, server.org.signer("rev_a"), server.org.directory, ack=0
        ) as out:
            out.add_status(st_rec)
    assert _import(server, tmp_path / "o1").statuses == 1
    second = _import(server, tmp_path / "o2")
    assert (second.statuses, second.duplicates, second.already_imported) == (0, 1, False)
    assert len(server.vault.case_history(case).statuses) == 1


def test_older_status_never_overwrites_newer(server, tmp_path):
    case = add_case(server)
    _export(server, tmp_path / "e")
    lap = reviewer_import(tmp_path / "e", server.org, "rev_a")
    write_outbox(
        tmp_path / "new",
        server.org,
        "rev_a",
        lap,
        state="escalated",
        at="2026-11-29T10:00:00+00:00",
        reply=None,
    )
    write_outbox(
        tmp_path / "old",
        server.org,
        "rev_a",
        lap,
        state="in_review",
        at="2026-11-29T09:00:00+00:00",
        reply=None,
    )
    _import(server, tmp_path / "new")
    late = _import(server, tmp_path / "old")
    assert (late.statuses, late.superseded) == (1, 1)
    history = server.vault.case_history(case)
    assert history.case.status == "escalated"
    assert [signed.body_of(r)["state"] for r in history.statuses] == ["in_review", "escalated"]


# -- rejections leave the database untouched -----------------------------------------------------


def _outbox_for(server: Server, tmp_path: Path, **kw) -> Path:
    if not (tmp_path / "e").exists():
        add_case(server)
        _export(server, tmp_path / "e")
    lap = reviewer_import(tmp_path / "e", server.org, kw.pop("reviewer", "rev_a"))
    path = tmp_path / f"o{len(list(tmp_path.iterdir()))}"
    write_outbox(path, kw.pop("org", server.org), kw.pop("signer", "rev_a"), lap, **kw)
    return path


def _rejected(server: Server, path: Path, error: type[BundleError]) -> None:
    before = db_snapshot(server.vault)
    with pytest.raises(error):
        _import(server, path)
    assert db_snapshot(server.vault) == before
    assert list((server.home / "tmp").iterdir()) == [], "staging removed"


def test_unknown_case_rejected(server, tmp_path):
    lap_path = _outbox_for(server, tmp_path, cases=[])  # make an export first
    assert lap_path.exists()
    with OutboxWriter(
        tmp_path / "x", server.org.signer("rev_a"), server.org.directory, ack=0
    ) as out:
        out.add_status(
            record_status(
                server.org, "rev_a", "nosuchcase", "in_review", "2026-11-29T08:00:00+00:00"
            )
        )
    _rejected(server, tmp_path / "x", BundleContentError)


def test_reviewer_outside_the_recipient_set_rejected(server, tmp_path):
    """A reviewer the reporter left out can neither reply nor set a status."""
    case = add_case(server, recipients=("rev_a",))
    with OutboxWriter(
        tmp_path / "x", server.org.signer("rev_b"), server.org.directory, ack=0
    ) as out:
        out.add_status(
            record_status(
                server.org, "rev_b", case, "closed_unsubstantiated", "2026-11-29T08:00:00+00:00"
            )
        )
    _rejected(server, tmp_path / "x", BundleContentError)


def test_reply_not_sealed_to_the_reporter_rejected(server, tmp_path):
    case = add_case(server)
    wrong = server.org.reviewers["rev_a"].public.encryption  # e.g. sealed to oneself
    env = envelope.seal(b"hello", [wrong])
    rec = records.reply(server.org.signer("rev_a"), case, hashlib.sha256(env).hexdigest())
    with OutboxWriter(
        tmp_path / "x", server.org.signer("rev_a"), server.org.directory, ack=0
    ) as out:
        out.add_reply(rec, env)
    _rejected(server, tmp_path / "x", BundleContentError)


def _reply_outbox(server, path, case, keys):
    env = envelope.seal(b"balasan", keys)
    rec = records.reply(server.org.signer("rev_a"), case, hashlib.sha256(env).hexdigest())
    with OutboxWriter(path, server.org.signer("rev_a"), server.org.directory, ack=0) as out:
        out.add_reply(rec, env)
    return path


def test_reply_to_reporter_and_case_reviewers_accepted(server, tmp_path):
    """Rule 19: colleagues on the case may read the reply too."""
    case = add_case(server, recipients=("rev_a", "rev_b"))
    keys = [server.reporters[case].public_key()] + [
        server.org.reviewers[r].public.encryption for r in ("rev_a", "rev_b")
    ]
    outbox = _reply_outbox(server, tmp_path / "x", case, keys)
    assert import_outbox(server.vault, server.org.directory, outbox).replies == 1


def test_reply_also_sealed_to_an_excluded_reviewer_rejected(server, tmp_path):
    """The reporter left rev_b out: a reply rev_b could read must not be stored."""
    case = add_case(server, recipients=("rev_a",))
    keys = [server.reporters[case].public_key(), server.org.reviewers["rev_b"].public.encryption]
    _rejected(server, _reply_outbox(server, tmp_path / "x", case, keys), BundleContentError)


def test_ack_beyond_the_journal_rejected(server, tmp_path):
    _rejected(server, _outbox_for(server, tmp_path, ack=10**6), BundleContentError)


def test_foreign_outbox_rejected(server, tmp_path):
    """Signed by a genuine reviewer, but addressed to another organisation's server."""
    foreign = make_org(
        root=server.org.root, server=ed25519(None, "other"), reviewers=server.org.reviewers
    )
    _rejected(server, _outbox_for(server, tmp_path, org=foreign), BundleSignatureError)


def test_outbox_by_a_stranger_rejected(server, tmp_path):
    stranger = make_org(
        root=server.org.root,
        server=server.org.server,
        reviewers={**server.org.reviewers, "rev_z": make_org(("rev_z",)).reviewers["rev_z"]},
    )
    _rejected(
        server, _outbox_for(server, tmp_path, org=stranger, signer="rev_z"), BundleSignatureError
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_any_flip_or_cut_is_rejected_and_db_untouched(server, tmp_path, data):
    path = tmp_path / "good"
    if not path.exists():
        _outbox_for(server, tmp_path).rename(path)
    good = path.read_bytes()
    pos = data.draw(st.integers(0, len(good) - 1), label="position")
    if data.draw(st.booleans(), label="truncate"):
        bad = good[:pos]
    else:
        bad = good[:pos] + bytes([good[pos] ^ data.draw(st.integers(1, 255))]) + good[pos + 1 :]
    (tmp_path / "bad").write_bytes(bad)
    _rejected(server, tmp_path / "bad", BundleError)


# -- disk full -----------------------------------------------------------------------------------

_CHILD = r"""
import resource, signal, sys
from pathlib import Path
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)     # a write past the limit fails with EFBIG
what, db_url, home, path, limit = sys.argv[1:6]
from vault.bundle import BundleWriteError
from vault.store import Vault
from vault.transfer import export_bundle, import_outbox, load_directory, load_server_key
vault = Vault.open(db_url, Path(home))
resource.setrlimit(resource.RLIMIT_FSIZE, (int(limit), int(limit)))
try:
    if what == "export":
        export_bundle(vault, load_server_key(home), Path(path))
    else:
        import_outbox(vault, load_directory(home), Path(path))
except BundleWriteError:
    sys.exit(3)
sys.exit(0)
"""


def _child(server: Server, what: str, path: Path, limit: int) -> int:
    args = [
        sys.executable,
        "-c",
        _CHILD,
        what,
        str(server.vault.engine.url.render_as_string(hide_password=False)),
        str(server.home),
        str(path),
        str(limit),
    ]
    return subprocess.run(args, cwd=ROOT, check=False).returncode


def test_disk_full_during_export_then_retry(server, tmp_path):
    """RLIMIT_FSIZE makes write() fail (EFBIG) like a full disk; the next run succeeds."""
    add_case(server, evidence=1, evidence_size=3 << 20)
    usb = tmp_path / "usb"
    usb.mkdir()
    assert _child(server, "export", usb / "e", 1 << 20) == 3
    assert list(usb.iterdir()) == []
    assert _child(server, "export", usb / "e", 1 << 40) == 0
    assert reviewer_import(usb / "e", server.org, "rev_a").reports


def test_disk_full_during_import_then_retry(server, tmp_path):
    case = add_case(server)
    _export(server, tmp_path / "e")
    lap = reviewer_import(tmp_path / "e", server.org, "rev_a")
    write_outbox(tmp_path / "o", server.org, "rev_a", lap, reply=b"x" * (3 << 20))
    before = db_snapshot(server.vault)
    assert _child(server, "import", tmp_path / "o", 1 << 20) == 3
    assert db_snapshot(server.vault) == before
    assert list((server.home / "tmp").iterdir()) == []
    assert _child(server, "import", tmp_path / "o", 1 << 40) == 0
    assert server.vault.case_history(case).case.status == "in_review"


def test_load_directory_from_home(server):
    directory = load_directory(server.home)
    assert {r.id for r in directory.active_reviewers()} == {"rev_a", "rev_b"}


def test_concurrent_imports_of_one_bundle_apply_it_once(server, tmp_path):
    """Two operators importing the same stick at once: applied once, never twice."""
    import threading

    add_case(server)
    _export(server, tmp_path / "e")
    lap = reviewer_import(tmp_path / "e", server.org, "rev_a")
    write_outbox(tmp_path / "o", server.org, "rev_a", lap)
    results: list[ImportSummary | BundleError] = []

    def run() -> None:
        try:
            results.append(_import(server, tmp_path / "o"))
        except BundleError as exc:  # the loser of a race on PostgreSQL: "run it again"
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    applied = [r for r in results if not isinstance(r, BundleError) and not r.already_imported]
    assert len(applied) == 1
    history = server.vault.case_history(lap.reports.popitem()[0])
    assert (len(history.statuses), len(history.replies)) == (1, 1)
    assert _import(server, tmp_path / "o").already_imported


def test_import_sweeps_stale_staging(server, tmp_path):
    import os

    stale = server.home / "tmp" / "bisik-stage-crashed"
    stale.mkdir(parents=True)
    (stale / "0").write_bytes(b"ciphertext left by a crash")
    os.utime(stale, (0, 0))
    fresh = server.home / "tmp" / "bisik-stage-running"
    fresh.mkdir()
    with pytest.raises(BundleError):
        _import(server, tmp_path / "missing")
    assert not stale.exists() and fresh.exists()


def test_record_dated_in_the_future_rejected(server, tmp_path):
    """A laptop clock far ahead would pin a status no later one could supersede."""
    import datetime as dt

    ahead = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).replace(microsecond=0).isoformat()
    _rejected(server, _outbox_for(server, tmp_path, at=ahead), BundleContentError)
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).replace(microsecond=0).isoformat()
    assert _import(server, _outbox_for(server, tmp_path, at=soon)).statuses == 1


def test_export_pages_through_the_journal(server, tmp_path, monkeypatch):
    """Pages of two entries: every case, envelope and record still arrives once, in order."""
    import vault.transfer as transfer

    monkeypatch.setattr(transfer, "PAGE", 2)
    cases = [add_case(server, evidence=1) for _ in range(5)]
    first = _export(server, tmp_path / "e1")
    lap = reviewer_import(tmp_path / "e1", server.org, "rev_a")
    assert sorted(lap.reports) == sorted(cases)
    assert lap.kinds == ["case", "report", "evidence"] * 5
    write_outbox(tmp_path / "o", server.org, "rev_a", lap, reply=None)
    _import(server, tmp_path / "o")
    later = _export(server, tmp_path / "e2", since=first.seq_to)
    assert (later.cases, later.items) == (5, 10)  # a descriptor and a status per case


def test_export_with_a_key_the_directory_does_not_name_is_refused(server, tmp_path):
    from vault.bundle import BundleSetupError

    add_case(server)
    with pytest.raises(BundleSetupError):
        export_bundle(
            server.vault, ed25519(None, "stray"), tmp_path / "e", directory=server.org.directory
        )
    assert not (tmp_path / "e").exists()


# -- batched import (issue 3: a 1,000-item outbox in under 5 s) ---------------------------------


def _busy_outbox(server: Server, path: Path, lap, per_case: int, hour: int) -> None:
    """``per_case`` statuses and replies for every case of ``lap``, interleaved across cases."""
    from crypto.keys import load_x25519_public

    key = server.org.signer("rev_a")
    with OutboxWriter(path, key, server.org.directory, ack=lap.seq_to) as out:
        for i in range(per_case):
            for case in sorted(lap.reports):
                at = f"2026-11-29T{hour:02d}:{i:02d}:00+00:00"
                out.add_status(record_status(server.org, "rev_a", case, "in_review", at))
                env = envelope.seal(b"balasan %d" % i, [load_x25519_public(lap.reply_keys[case])])
                sha = hashlib.sha256(env).hexdigest()
                out.add_reply(records.reply(key, case, sha, at=at), env)


def test_import_cost_does_not_grow_with_the_outbox(server, tmp_path):
    """The statements an import sends are the same for 2 or 12 records per case."""
    from sqlalchemy import event

    cases = [add_case(server) for _ in range(3)]
    _export(server, tmp_path / "e")
    lap = reviewer_import(tmp_path / "e", server.org, "rev_a")
    counts = []
    for per_case, hour in ((1, 1), (6, 2)):
        path = tmp_path / f"o{per_case}"
        _busy_outbox(server, path, lap, per_case, hour)
        seen: list[str] = []

        def on_execute(conn, cursor, statement, *rest, seen=seen):
            seen.append(statement)

        event.listen(server.vault.engine, "before_cursor_execute", on_execute)
        try:
            result = _import(server, path)
        finally:
            event.remove(server.vault.engine, "before_cursor_execute", on_execute)
        assert (result.statuses, result.replies) == (3 * per_case, 3 * per_case)
        counts.append(len(seen))
    assert counts[0] == counts[1], counts
    for case in cases:
        history = server.vault.case_history(case)
        assert len(history.replies) == 7 and len(history.statuses) == 7
        newest = signed.body_of(history.case.status_record)["at"]
        assert newest == "2026-11-29T02:05:00+00:00"
        for _record, blob in history.replies:
            with server.vault.blobs.open(blob.sha256) as f:
                assert envelope.unseal(f.read(), server.reporters[case]).startswith(b"balasan")


def test_failure_after_envelopes_moved_in_rolls_back(server, tmp_path, monkeypatch):
    """Envelopes already in the blob store, then the transaction fails: no row changed, the
    blobs are unreferenced (retention's orphan sweep), and the import can simply be rerun."""
    from vault.errors import VaultError
    from vault.operations import Batch

    _export_path = _outbox_for(server, tmp_path)
    before = db_snapshot(server.vault)

    def broken(self, name, seq):
        raise VaultError("simulated failure after add_records")

    with monkeypatch.context() as m:
        m.setattr(Batch, "set_cursor", broken)
        with pytest.raises(BundleContentError):
            _import(server, _export_path)
    after = db_snapshot(server.vault)
    assert after["rows"] == before["rows"]
    assert len(after["blobs"]) == len(before["blobs"]) + 1  # the moved reply envelope
    result = _import(server, _export_path)
    assert (result.statuses, result.replies, result.already_imported) == (1, 1, False)
    assert db_snapshot(server.vault)["blobs"] == after["blobs"]  # same bytes, same address


def _link_outbox(server: Server, path: Path, new: str, old: str, signer: str = "rev_a") -> Path:
    from crypto import links

    with OutboxWriter(path, server.org.signer(signer), server.org.directory, ack=0) as out:
        out.add_link(
            links.sign(
                server.org.signer(signer), new, old, share=True, at="2026-11-29T08:00:00+00:00"
            )
        )
    return path


def test_link_between_two_of_the_reviewers_cases_is_stored_and_exported(server, tmp_path):
    """A link record (crypto/SPEC.md §15) travels like a status: stored with the new case,
    exported with it."""
    old, new = add_case(server), add_case(server)
    _import(server, _link_outbox(server, tmp_path / "o", new, old))
    (record,) = server.vault.case_history(new).links
    assert b'"link"' in record
    _export(server, tmp_path / "e")
    with read_export(tmp_path / "e", server.org.directory) as bundle:
        assert "link" in [i.kind for i in bundle.items()]


def test_link_to_an_unknown_case_or_one_not_given_to_the_signer_rejected(server, tmp_path):
    """Nobody can show a reporter the history of a case they were not given."""
    new = add_case(server)
    _rejected(server, _link_outbox(server, tmp_path / "x", new, "nosuchcase"), BundleContentError)
    theirs = add_case(server, recipients=("rev_b",))
    _rejected(server, _link_outbox(server, tmp_path / "y", new, theirs), BundleContentError)
