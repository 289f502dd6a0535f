"""Retention on SQLite and PostgreSQL: what goes, what stays, dry run, no residue; a blob
another case still references is never removed (issue 8, replay finding)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from tests.vault.helpers import Reviewer, new_case, sealed_blob
from vault.blobstore import day_start
from vault.errors import CaseNotFoundError
from vault.retention import RetentionPolicy, apply, kept, plan
from vault.store import Vault
from vault.transfer import ack_cursor

TODAY = dt.date(2026, 6, 30)
POLICY = RetentionPolicy(closed_case_days=30, orphan_blob_days=2)


def _status(vault: Vault, r: Reviewer, case_id: str, state: str, day: dt.date) -> None:
    at = dt.datetime(day.year, day.month, day.day, 9, tzinfo=dt.UTC).isoformat()
    vault.add_status(case_id, r.status(case_id, state, at))


def _acknowledge_all(vault: Vault, *reviewers: str) -> None:
    """Every reviewer's outbox acknowledged every export so far (what a working routine does)."""
    for reviewer in reviewers or ("ani",):
        vault.set_cursor(ack_cursor(reviewer), vault.last_seq())


def _blobs_of(vault: Vault, case_id: str) -> set[str]:
    shas = set()
    for e in vault.case_history(case_id).entries:
        shas |= {b.sha256 for b in e.evidence}
        if e.blob:
            shas.add(e.blob.sha256)
    return shas


def test_old_closed_cases_go_and_everything_else_stays(vault: Vault) -> None:
    r = Reviewer.new()
    old_closed = new_case(vault, r, evidence=2)
    vault.add_message(old_closed, kind="message", blob=sealed_blob(vault, r, b"more"))
    _status(vault, r, old_closed, "closed_substantiated", dt.date(2026, 5, 1))
    recent_closed = new_case(vault, r)
    _status(vault, r, recent_closed, "closed_unsubstantiated", dt.date(2026, 6, 20))
    reopened = new_case(vault, r)
    _status(vault, r, reopened, "closed_outside_mandate", dt.date(2026, 4, 1))
    _status(vault, r, reopened, "in_review", dt.date(2026, 4, 2))
    open_case = new_case(vault, r)
    doomed_blobs = _blobs_of(vault, old_closed)
    kept_blobs = set().union(*(_blobs_of(vault, c) for c in (recent_closed, reopened, open_case)))
    _acknowledge_all(vault)

    dry = plan(vault, POLICY, TODAY)
    assert dry.cases == (old_closed,)
    assert set(dry.blobs) == doomed_blobs and len(doomed_blobs) == 4
    assert all(vault.blobs.exists(s) for s in doomed_blobs)  # the dry run changed nothing
    vault.case_info(old_closed)

    done = apply(vault, POLICY, TODAY)
    assert done == dry
    with pytest.raises(CaseNotFoundError):
        vault.case_info(old_closed)
    assert not any(vault.blobs.exists(s) for s in doomed_blobs)
    assert all(vault.blobs.exists(s) for s in kept_blobs)
    for c in (recent_closed, reopened, open_case):
        vault.case_history(c)
    assert {i.case_id for i in vault.items_since(0)} == {recent_closed, reopened, open_case}
    assert plan(vault, POLICY, TODAY).empty


def test_expired_uploads_and_old_orphans(vault: Vault) -> None:
    uid = vault.start_upload(owner=b"o", total_size=10)
    vault.append_upload(uid, b"o", 0, b"12345")
    fresh_orphan = vault.blobs.put_bytes(b"written moments ago, case not yet committed")
    old_orphan = vault.blobs.put_bytes(b"left by a crash last week")
    week_ago = day_start(TODAY - dt.timedelta(days=7))
    os.utime(vault.blobs.path(old_orphan.sha256), (week_ago, week_ago))
    today = dt.datetime.now(dt.UTC).date()

    dry = plan(vault, POLICY, today)
    assert dry.uploads == () and dry.blobs == (old_orphan.sha256,)
    later = today + dt.timedelta(days=vault.upload_days)
    dry = plan(vault, POLICY, later)
    assert dry.uploads == (uid,)
    apply(vault, POLICY, later)
    assert list(vault.uploads_dir.iterdir()) == []
    assert not vault.blobs.exists(old_orphan.sha256)
    assert vault.blobs.exists(fresh_orphan.sha256)  # two days later: still in its grace period
    apply(vault, POLICY, today + dt.timedelta(days=3))
    assert not vault.blobs.exists(fresh_orphan.sha256)


def test_recent_orphans_survive(vault: Vault) -> None:
    fresh = vault.blobs.put_bytes(b"evidence of a report being submitted right now")
    apply(vault, POLICY, dt.datetime.now(dt.UTC).date())
    assert vault.blobs.exists(fresh.sha256)


def test_sqlite_leaves_no_residue_of_a_removed_case(tmp_path: Path) -> None:
    """secure_delete + WAL truncation: the removed case's tag is in no database file."""
    db_path = tmp_path / "home" / "bisik.sqlite"
    vault = Vault.open(f"sqlite:///{db_path}", tmp_path / "home")
    r = Reviewer.new()
    gone = new_case(vault, r)
    tag_and_key = vault.case_info(gone)
    kept = new_case(vault, r)
    _status(vault, r, gone, "closed_substantiated", dt.date(2026, 1, 1))
    _acknowledge_all(vault)
    files = [db_path, Path(f"{db_path}-wal")]
    raw = b"".join(p.read_bytes() for p in files if p.exists())
    assert tag_and_key.reply_public in raw  # the scan would see it before retention
    apply(vault, POLICY, TODAY)
    raw = b"".join(p.read_bytes() for p in files if p.exists())
    assert tag_and_key.reply_public not in raw
    assert gone.encode() not in raw
    assert kept.encode() in raw
    vault.close()


def test_policy_validation() -> None:
    with pytest.raises(ValueError):
        RetentionPolicy(closed_case_days=-1)
    with pytest.raises(ValueError):
        RetentionPolicy(orphan_blob_days=0)


def test_reporter_activity_after_closure_keeps_the_case(vault: Vault) -> None:
    """A retaliation report (or message) after the case was closed must reach the reviewers and
    re-open it: retention never removes such a case, however old the closing status is."""
    r = Reviewer.new()
    late = new_case(vault, r)
    _status(vault, r, late, "closed_substantiated", dt.date(2026, 1, 1))
    vault.add_message(late, kind="retaliation", blob=sealed_blob(vault, r, b"dimutasi"))
    quiet = new_case(vault, r)
    _status(vault, r, quiet, "closed_substantiated", dt.date(2026, 1, 1))
    _acknowledge_all(vault)
    assert plan(vault, POLICY, TODAY).cases == (quiet,)
    assert kept(vault, POLICY, TODAY) == [(late, ("late_activity",))]  # the dry run says why
    apply(vault, POLICY, TODAY)
    vault.case_history(late)
    # A reviewer's later status (after reading it) settles the case again: then it may go.
    _status(vault, r, late, "closed_substantiated", dt.date(2026, 2, 1))
    _acknowledge_all(vault)
    assert plan(vault, POLICY, TODAY).cases == (late,)


def test_unacknowledged_items_keep_a_closed_case(vault: Vault) -> None:
    """Nothing goes before every reviewer's outbox acknowledged it; the slowest one counts."""
    r = Reviewer.new()
    case = new_case(vault, r)
    _status(vault, r, case, "closed_substantiated", dt.date(2026, 1, 1))
    assert plan(vault, POLICY, TODAY).cases == ()  # never acknowledged: keep everything
    assert kept(vault, POLICY, TODAY) == [(case, ("unacknowledged",))]
    vault.set_cursor(ack_cursor("ani"), vault.last_seq())
    vault.set_cursor(ack_cursor("budi"), vault.last_seq() - 1)  # budi has not seen the status
    assert plan(vault, POLICY, TODAY).cases == ()
    vault.set_cursor(ack_cursor("budi"), vault.last_seq())
    assert plan(vault, POLICY, TODAY).cases == (case,)
    assert kept(vault, POLICY, TODAY) == []


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
