"""The repository on SQLite and PostgreSQL: cases, messages, records, batches, cursors.

Concurrent writers: the journal never shows a gap an export cursor could skip. Taking blobs
back (``Vault.discard``): a refused request removes only bytes it created that no row
references (issue 8, replay finding).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from crypto import envelope, records
from crypto.keys import KeyPair, raw_public
from tests.vault.helpers import Reviewer, new_case, sealed_blob
from vault.blobstore import BlobRef
from vault.entries import Outbound
from vault.errors import (
    CaseNotFoundError,
    DuplicateCaseError,
    MissingBlobError,
    RecordMismatchError,
)
from vault.store import Vault


@pytest.fixture
def reviewer() -> Reviewer:
    return Reviewer.new()


def _at(day: int, hour: int = 0) -> str:
    return dt.datetime(2026, 3, day, hour, tzinfo=dt.UTC).isoformat()


def test_create_and_look_up_a_case(vault: Vault, reviewer: Reviewer) -> None:
    report = sealed_blob(vault, reviewer, b"the report")
    ev = [sealed_blob(vault, reviewer, b"photo"), sealed_blob(vault, reviewer, b"voice note")]
    tag = secrets.token_bytes(32)
    reply_pub = raw_public(KeyPair.generate().encryption.public_key())
    case_id = vault.create_case(
        lookup_tag=tag,
        reply_public=reply_pub,
        recipients=["rev-b", "rev-a", "rev-a"],
        report_blob=report,
        evidence=ev,
    )
    assert len(case_id) == 16
    info = vault.case_by_lookup(tag)
    assert info is not None
    assert info.id == case_id and info.reply_public == reply_pub
    assert info.recipients == ("rev-a", "rev-b")
    assert info.received_day == dt.datetime.now(dt.UTC).date()
    assert info.status is None and info.status_record is None
    assert vault.case_by_lookup(secrets.token_bytes(32)) is None
    history = vault.case_history(case_id)
    assert [e.kind for e in history.entries] == ["report"]
    assert history.entries[0].blob == report
    assert list(history.entries[0].evidence) == ev


def test_case_ids_are_random(vault: Vault, reviewer: Reviewer) -> None:
    ids = {new_case(vault, reviewer, evidence=0) for _ in range(5)}
    assert len(ids) == 5


def test_duplicate_lookup_tag_is_refused(vault: Vault, reviewer: Reviewer) -> None:
    report = sealed_blob(vault, reviewer, b"r")
    args = dict(
        lookup_tag=b"t" * 32,
        reply_public=b"p" * 32,
        recipients=["a"],
        report_blob=report,
        evidence=[],
    )
    vault.create_case(**args)  # type: ignore[arg-type]
    with pytest.raises(DuplicateCaseError):
        vault.create_case(**args)  # type: ignore[arg-type]


def test_blobs_must_be_stored_first(vault: Vault, reviewer: Reviewer) -> None:
    report = sealed_blob(vault, reviewer, b"r")
    ghost = BlobRef("ab" * 32, 100)
    wrong_size = BlobRef(report.sha256, report.size + 1)
    for rep, ev in ((ghost, []), (wrong_size, []), (report, [ghost])):
        with pytest.raises(MissingBlobError):
            vault.create_case(
                lookup_tag=secrets.token_bytes(32),
                reply_public=b"p" * 32,
                recipients=["a"],
                report_blob=rep,
                evidence=ev,
            )
    assert vault.last_seq() == 0  # nothing half-written


def test_bad_case_arguments(vault: Vault, reviewer: Reviewer) -> None:
    report = sealed_blob(vault, reviewer, b"r")
    with pytest.raises(ValueError):
        vault.create_case(
            lookup_tag=b"short",
            reply_public=b"p" * 32,
            recipients=["a"],
            report_blob=report,
            evidence=[],
        )
    with pytest.raises(ValueError):
        vault.create_case(
            lookup_tag=b"t" * 32,
            reply_public=b"p" * 32,
            recipients=[],
            report_blob=report,
            evidence=[],
        )


def test_messages_and_retaliation(vault: Vault, reviewer: Reviewer) -> None:
    case_id = new_case(vault, reviewer)
    m = sealed_blob(vault, reviewer, b"more")
    ev = sealed_blob(vault, reviewer, b"screenshot")
    r = sealed_blob(vault, reviewer, b"I was moved to a remote office")
    s1 = vault.add_message(case_id, kind="message", blob=m, evidence=[ev])
    s2 = vault.add_message(case_id, kind="retaliation", blob=r)
    assert s2 > s1
    entries = vault.case_history(case_id).entries
    assert [e.kind for e in entries] == ["report", "message", "retaliation"]
    assert entries[1].evidence == (ev,)
    with pytest.raises(ValueError):
        vault.add_message(case_id, kind="status", blob=m)
    with pytest.raises(CaseNotFoundError):
        vault.add_message("nosuchcase", kind="message", blob=m)


def test_newest_status_wins_and_replays_change_nothing(vault: Vault, reviewer: Reviewer) -> None:
    case_id = new_case(vault, reviewer)
    old = reviewer.status(case_id, "in_review", _at(1))
    new = reviewer.status(case_id, "need_info", _at(2))
    assert vault.add_status(case_id, new)
    assert vault.add_status(case_id, old)  # arrives later, but is older
    info = vault.case_info(case_id)
    assert info.status == "need_info" and info.status_record == new
    seq = vault.last_seq()
    assert not vault.add_status(case_id, new)
    assert not vault.add_status(case_id, old)
    assert vault.last_seq() == seq
    history = vault.case_history(case_id)
    assert history.statuses == (old, new)  # ordered by record time, not arrival
    newest = reviewer.status(case_id, "escalated", _at(3))
    assert vault.add_status(case_id, newest, records.order_key(records.signed.body_of(newest)))
    assert vault.case_info(case_id).status == "escalated"


def test_records_must_name_the_case(vault: Vault, reviewer: Reviewer) -> None:
    a = new_case(vault, reviewer)
    b = new_case(vault, reviewer)
    with pytest.raises(RecordMismatchError):
        vault.add_status(a, reviewer.status(b, "in_review", _at(1)))
    with pytest.raises(RecordMismatchError):
        vault.add_status(a, b"not a record")
    someone = KeyPair.generate().encryption.public_key()
    env = vault.blobs.put_bytes(envelope.seal(b"reply", [someone]))
    with pytest.raises(RecordMismatchError):
        vault.add_reply(a, records.reply(reviewer.keys.signing, a, "0" * 64), env)
    with pytest.raises(CaseNotFoundError):
        vault.add_status("nosuchcase", reviewer.status("nosuchcase", "in_review", _at(1)))


def test_a_wrong_order_key_cannot_promote_an_old_status(vault: Vault, reviewer: Reviewer) -> None:
    case_id = new_case(vault, reviewer)
    vault.add_status(case_id, reviewer.status(case_id, "need_info", _at(5)))
    old = reviewer.status(case_id, "in_review", _at(1))
    with pytest.raises(RecordMismatchError):
        vault.add_status(case_id, old, ("2099-01-01T00:00:00+00:00", "f" * 32))
    with pytest.raises(RecordMismatchError):
        vault.add_status(case_id, old, "2099-01-01T00:00:00+00:00|ffff")
    assert vault.add_status(case_id, old, records.order_key(records.signed.body_of(old)))
    assert vault.case_info(case_id).status == "need_info"


def test_replies_are_stored_once_in_order(vault: Vault, reviewer: Reviewer) -> None:
    case_id = new_case(vault, reviewer)
    reply_key = KeyPair.generate().encryption.public_key()
    envs = [vault.blobs.put_bytes(envelope.seal(t, [reply_key])) for t in (b"one", b"two")]
    recs = [
        records.reply(reviewer.keys.signing, case_id, e.sha256, at=_at(d))
        for e, d in zip(envs, (5, 4), strict=True)
    ]
    assert vault.add_reply(case_id, recs[0], envs[0])
    assert vault.add_reply(case_id, recs[1], envs[1])
    assert not vault.add_reply(case_id, recs[0], envs[0])
    assert vault.case_history(case_id).replies == ((recs[1], envs[1]), (recs[0], envs[0]))


def test_batch_is_all_or_nothing(vault: Vault, reviewer: Reviewer) -> None:
    case_id = new_case(vault, reviewer)
    seq = vault.last_seq()
    with pytest.raises(RecordMismatchError), vault.batch() as tx:
        assert tx.mark_bundle(b"bundle-1")
        tx.add_status(case_id, reviewer.status(case_id, "in_review", _at(1)))
        tx.set_cursor("rev-a", seq)
        tx.add_status(case_id, reviewer.status("othercase", "in_review", _at(2)))
    assert vault.last_seq() == seq
    assert vault.case_info(case_id).status is None
    assert vault.get_cursor("rev-a") == 0
    with vault.batch() as tx:
        assert tx.mark_bundle(b"bundle-1")  # the failed attempt left no mark
        tx.add_status(case_id, reviewer.status(case_id, "in_review", _at(1)))
    with vault.batch() as tx:
        assert not tx.mark_bundle(b"bundle-1")
    assert vault.case_info(case_id).status == "in_review"


def test_export_iteration_and_cursors(vault: Vault, reviewer: Reviewer) -> None:
    cases = [new_case(vault, reviewer) for _ in range(3)]
    vault.add_status(cases[0], reviewer.status(cases[0], "in_review", _at(1)))
    items = vault.items_since(0)
    assert [i.seq for i in items] == sorted(i.seq for i in items)
    assert len(items) == 4 and items[-1].kind == "status"
    assert [i.case_id for i in items[:3]] == cases
    assert vault.items_since(items[1].seq, limit=1) == [items[2]]
    assert vault.items_since(vault.last_seq()) == []
    assert vault.get_cursor("rev-a") == 0
    vault.set_cursor("rev-a", items[2].seq)
    vault.set_cursor("rev-a", items[0].seq)  # never backwards
    assert vault.get_cursor("rev-a") == items[2].seq


def test_case_history_of_unknown_case(vault: Vault) -> None:
    with pytest.raises(CaseNotFoundError):
        vault.case_history("nosuchcase")
    with pytest.raises(CaseNotFoundError):
        vault.case_info("nosuchcase")


# -- batched outbound records (what an outbox import uses) -------------------------------------


def _count_statements(vault: Vault) -> tuple[list[str], Callable[[], None]]:
    """Record every SQL statement the engine sends; call the second value to stop."""
    seen: list[str] = []

    def on_execute(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        seen.append(statement)

    event.listen(vault.engine, "before_cursor_execute", on_execute)
    return seen, lambda: event.remove(vault.engine, "before_cursor_execute", on_execute)


def _reply(
    vault: Vault,
    reviewer: Reviewer,
    case_id: str,
    text: bytes,
    at: str,
) -> tuple[bytes, BlobRef]:
    env = vault.blobs.put_bytes(envelope.seal(text, [KeyPair.generate().encryption.public_key()]))
    return records.reply(reviewer.keys.signing, case_id, env.sha256, at=at), env


def test_add_records_is_one_call_per_record_in_effect(vault: Vault, reviewer: Reviewer) -> None:
    a, b = new_case(vault, reviewer), new_case(vault, reviewer)
    stored = reviewer.status(a, "in_review", _at(1))
    assert vault.add_status(a, stored)
    seq = vault.last_seq()
    new_a = reviewer.status(a, "need_info", _at(3))
    old_a = reviewer.status(a, "escalated", _at(2))  # arrives after new_a, but is older
    st_b = reviewer.status(b, "in_review", _at(4))
    rec, env = _reply(vault, reviewer, b, b"balasan", _at(5))
    batch = [
        Outbound("status", a, new_a),
        Outbound("reply", b, rec, env),
        Outbound("status", a, old_a),
        Outbound("status", a, stored),  # a replay
        Outbound("status", b, st_b),
        Outbound("status", a, new_a),
    ]  # repeated in batch
    with vault.batch() as tx:
        assert tx.add_records(batch) == [True, True, True, False, True, False]
    assert vault.case_info(a).status == "need_info" and vault.case_info(a).status_record == new_a
    assert vault.case_info(b).status == "in_review"
    items = vault.items_since(seq)
    assert [(i.case_id, i.record) for i in items] == [
        (a, new_a),
        (b, rec),
        (a, old_a),
        (b, st_b),
    ]  # journal order = batch order
    assert items[1].blob == env and [i.seq for i in items] == sorted(i.seq for i in items)
    assert vault.case_history(a).statuses == (stored, old_a, new_a)
    assert vault.case_history(b).replies == ((rec, env),)


@pytest.mark.parametrize("bad", ["other_case", "no_case", "no_blob", "wrong_key", "kind"])
def test_add_records_writes_nothing_when_one_is_bad(
    vault: Vault, reviewer: Reviewer, bad: str
) -> None:
    a = new_case(vault, reviewer)
    good = [Outbound("status", a, reviewer.status(a, "in_review", _at(1)))]
    if bad == "other_case":
        last = Outbound("status", a, reviewer.status("zzz", "in_review", _at(2)))
        error: type[Exception] = RecordMismatchError
    elif bad == "no_case":
        last = Outbound("status", "zzz", reviewer.status("zzz", "in_review", _at(2)))
        error = CaseNotFoundError
    elif bad == "no_blob":
        ghost = BlobRef("ab" * 32, 10)
        last = Outbound("reply", a, records.reply(reviewer.keys.signing, a, ghost.sha256), ghost)
        error = MissingBlobError
    elif bad == "wrong_key":
        last = Outbound(
            "status",
            a,
            reviewer.status(a, "need_info", _at(2)),
            order_key="2099-01-01T00:00:00+00:00|ff",
        )
        error = RecordMismatchError
    else:
        last = Outbound("note", a, reviewer.status(a, "need_info", _at(2)))
        error = ValueError
    seq = vault.last_seq()
    with pytest.raises(error), vault.batch() as tx:
        tx.add_records([*good, last])
    assert vault.last_seq() == seq and vault.case_info(a).status is None


def test_add_records_uses_a_fixed_number_of_statements(vault: Vault, reviewer: Reviewer) -> None:
    """Batching: 6 or 60 records over 3 cases cost the same number of SQL statements."""
    cases = [new_case(vault, reviewer) for _ in range(3)]
    counts = []
    for n, hour in ((6, 1), (60, 2)):
        batch = []
        for i in range(n):
            case = cases[i % 3]
            at = dt.datetime(2026, 3, 1, hour, i, tzinfo=dt.UTC).isoformat()
            if i % 2:
                rec, env = _reply(vault, reviewer, case, b"r%d" % i, at)
                batch.append(Outbound("reply", case, rec, env))
            else:
                batch.append(Outbound("status", case, reviewer.status(case, "in_review", at)))
        seen, stop = _count_statements(vault)
        try:
            with vault.batch() as tx:
                assert all(tx.add_records(batch))
        finally:
            stop()
        counts.append(len(seen))
    assert counts[0] == counts[1], counts
    assert counts[1] < 20


def test_single_calls_in_a_batch_read_each_case_once(vault: Vault, reviewer: Reviewer) -> None:
    case_id = new_case(vault, reviewer)
    recs = [reviewer.status(case_id, "in_review", _at(d)) for d in range(1, 11)]
    seen, stop = _count_statements(vault)
    try:
        with vault.batch() as tx:
            for rec in recs:
                assert tx.add_status(case_id, rec)
    finally:
        stop()
    case_reads = [s for s in seen if "FROM cases" in s]
    assert len(case_reads) == 1, case_reads
    assert vault.case_info(case_id).status_record == recs[-1]


def test_case_infos_equal_case_info(vault: Vault, reviewer: Reviewer) -> None:
    ids = [new_case(vault, reviewer) for _ in range(3)]
    vault.add_status(ids[0], reviewer.status(ids[0], "need_info", _at(2)))
    vault.add_status(ids[0], reviewer.status(ids[0], "in_review", _at(1)))
    infos = vault.case_infos([*ids, "nosuchcase", ids[0]])
    assert set(infos) == set(ids)
    assert all(infos[c] == vault.case_info(c) for c in ids)
    assert infos[ids[0]].status == "need_info"


def test_put_files_syncs_every_file_before_any_rename(
    vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The crash-safety order of LocalBlobStore.put_files: data fsyncs, renames, dir fsyncs."""
    from vault import blobstore

    stage = vault.tmp_dir / "stage"
    stage.mkdir()
    datas = [secrets.token_bytes(100 + i) for i in range(20)]
    paths = []
    for i, data in enumerate(datas):
        (stage / f"e{i}").write_bytes(data)
        paths.append(stage / f"e{i}")
    already = vault.blobs.put_bytes(b"same bytes twice")
    (stage / "dup").write_bytes(b"same bytes twice")
    paths.append(stage / "dup")
    events: list[str] = []
    real_fsync, real_replace = blobstore.os.fsync, blobstore.os.replace

    def fsync(fd: int) -> None:
        kind = "dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        events.append(kind)
        real_fsync(fd)

    def replace(src: Any, dst: Any) -> None:
        events.append("rename")
        real_replace(src, dst)

    monkeypatch.setattr(blobstore.os, "fsync", fsync)
    monkeypatch.setattr(blobstore.os, "replace", replace)
    refs = vault.blobs.put_files(paths)
    assert refs[:-1] == [BlobRef(hashlib.sha256(d).hexdigest(), len(d)) for d in datas]
    assert refs[-1] == already
    assert all(vault.blobs.open_verified(r.sha256) for r in refs)
    assert list(stage.iterdir()) == []
    assert events.count("file") == 21 and events.count("rename") == 20
    last_file = max(i for i, e in enumerate(events) if e == "file")
    renames = [i for i, e in enumerate(events) if e == "rename"]
    dirs = [i for i, e in enumerate(events) if e == "dir"]
    assert last_file < renames[0] and renames[-1] < dirs[0]
    fans = {vault.blobs.path(r.sha256).parent for r in refs[:-1]}
    assert len(fans) <= len(dirs) <= len(fans) + 1  # each fan-out dir once (+ the root)


@pytest.fixture
def vaults(vault_db_url: str, tmp_path: Path) -> Iterator[tuple[Vault, Vault]]:
    """Two Vault objects (two engines, as in two server processes) on one database."""
    a = Vault.open(vault_db_url, tmp_path / "home")
    b = Vault.open(vault_db_url, tmp_path / "home")
    yield a, b
    a.close()
    b.close()


def test_a_late_commit_never_hides_behind_a_higher_seq(vaults: tuple[Vault, Vault]) -> None:
    a, b = vaults
    reviewer = Reviewer.new()
    case1, case2 = new_case(a, reviewer), new_case(a, reviewer)
    before = a.last_seq()
    done = threading.Event()
    errors: list[BaseException] = []

    def other_writer() -> None:
        try:
            b.add_status(case2, reviewer.status(case2, "in_review", "2026-03-02T00:00:00+00:00"))
        except BaseException as exc:  # reported to the main thread below
            errors.append(exc)
        done.set()

    with a.batch() as tx:  # a slow import: appended, not yet committed
        tx.add_status(case1, reviewer.status(case1, "in_review", "2026-03-01T00:00:00+00:00"))
        thread = threading.Thread(target=other_writer)
        thread.start()
        finished_early = done.wait(0.5)
        # a reader (an export) must not block on the open write, and must see no gap
        seen = [i.seq for i in b.items_since(before)]
    thread.join(20)
    assert not errors
    final = [i.seq for i in a.items_since(before)]
    assert len(final) == 2
    assert not finished_early, "the second writer committed while the first held its seq"
    assert seen == final[: len(seen)]
    assert seen == []


def test_many_concurrent_writers_get_distinct_increasing_seqs(
    vaults: tuple[Vault, Vault],
) -> None:
    a, b = vaults
    reviewer = Reviewer.new()
    errors: list[BaseException] = []

    def writer(v: Vault) -> None:
        try:
            for _ in range(5):
                new_case(v, reviewer, evidence=1)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(v,)) for v in (a, b, a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    seqs = [i.seq for i in a.items_since(0)]
    assert len(seqs) == 20 and seqs == sorted(set(seqs))


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
