"""The repository on SQLite and PostgreSQL: cases, messages, records, batches, cursors."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from crypto import envelope, records
from crypto.keys import KeyPair, raw_public
from tests.vault.helpers import Reviewer, new_case, sealed_blob
from vault.blobstore import BlobRef
from vault.errors import (
    CaseNotFoundError,
    DuplicateCaseError,
    MissingBlobError,
    RecordMismatchError,
)
from vault.store import Vault


@pytest.fixture
def vault(vault_db_url: str, tmp_path: Path) -> Iterator[Vault]:
    v = Vault.open(vault_db_url, tmp_path / "home")
    yield v
    v.close()


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
    case_id = vault.create_case(lookup_tag=tag, reply_public=reply_pub,
                                recipients=["rev-b", "rev-a", "rev-a"], report_blob=report,
                                evidence=ev, channel="server")  # fmt: skip
    assert len(case_id) == 16
    info = vault.case_by_lookup(tag)
    assert info is not None
    assert info.id == case_id and info.reply_public == reply_pub
    assert info.recipients == ("rev-a", "rev-b")
    assert info.received_day == dt.datetime.now(dt.UTC).date()
    assert info.channel == "server" and info.status is None and info.status_record is None
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
    args = dict(lookup_tag=b"t" * 32, reply_public=b"p" * 32, recipients=["a"],
                report_blob=report, evidence=[], channel="browser")  # fmt: skip
    vault.create_case(**args)  # type: ignore[arg-type]
    with pytest.raises(DuplicateCaseError):
        vault.create_case(**args)  # type: ignore[arg-type]


def test_blobs_must_be_stored_first(vault: Vault, reviewer: Reviewer) -> None:
    report = sealed_blob(vault, reviewer, b"r")
    ghost = BlobRef("ab" * 32, 100)
    wrong_size = BlobRef(report.sha256, report.size + 1)
    for rep, ev in ((ghost, []), (wrong_size, []), (report, [ghost])):
        with pytest.raises(MissingBlobError):
            vault.create_case(lookup_tag=secrets.token_bytes(32), reply_public=b"p" * 32,
                              recipients=["a"], report_blob=rep, evidence=ev,
                              channel="browser")  # fmt: skip
    assert vault.last_seq() == 0  # nothing half-written


def test_bad_case_arguments(vault: Vault, reviewer: Reviewer) -> None:
    report = sealed_blob(vault, reviewer, b"r")
    with pytest.raises(ValueError):
        vault.create_case(lookup_tag=b"short", reply_public=b"p" * 32, recipients=["a"],
                          report_blob=report, evidence=[], channel="browser")  # fmt: skip
    with pytest.raises(ValueError):
        vault.create_case(lookup_tag=b"t" * 32, reply_public=b"p" * 32, recipients=["a"],
                          report_blob=report, evidence=[], channel="carrier pigeon")  # fmt: skip
    with pytest.raises(ValueError):
        vault.create_case(lookup_tag=b"t" * 32, reply_public=b"p" * 32, recipients=[],
                          report_blob=report, evidence=[], channel="browser")  # fmt: skip


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
    recs = [records.reply(reviewer.keys.signing, case_id, e.sha256, at=_at(d))
            for e, d in zip(envs, (5, 4), strict=True)]  # fmt: skip
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
