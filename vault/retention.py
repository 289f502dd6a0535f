"""Retention: remove closed cases, expired uploads and orphaned blobs after a configured time.

A case goes when its current status is a ``closed_*`` state whose signed record is dated more
than ``closed_case_days`` days before today — and only then if nothing about it could still be
needed: a case is always kept while

- the reporter wrote after it was closed (a message, evidence or a retaliation report whose
  journal entry comes after the case's last status: the reviewers must see it and re-open), or
- any of its journal entries has not been acknowledged yet by the reviewers (an outbox
  acknowledges an export; the lowest acknowledgement among reviewers counts, and a server that
  was never acknowledged keeps everything).

Its rows are deleted in one transaction; then
every blob no row references any more is overwritten with zeros, fsynced and unlinked (best
effort on SSDs and copy-on-write filesystems), expired upload sessions go the same way, and
the database is compacted where it can be: SQLite zeroes freed pages (``secure_delete``) and
its WAL is checkpointed and truncated; PostgreSQL gets a ``VACUUM`` (dead tuples are marked
free, not zeroed: a known limit). :func:`plan` is the dry run: it changes nothing; :func:`kept`
says which cases past their time are kept, and why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, exists, func, or_, select, text
from sqlalchemy.orm import aliased

from .models import Blob, Case, Cursor, Item, ItemEvidence, Upload
from .operations import Operations
from .store import Vault
from .transfer import ACK_PREFIX


@dataclass(frozen=True)
class RetentionPolicy:
    """How long things stay. Days are whole UTC days."""

    closed_case_days: int = 180
    orphan_blob_days: int = 2  # blobs no row refers to (a crash between write and insert)

    def __post_init__(self) -> None:
        if self.closed_case_days < 0 or self.orphan_blob_days < 1:
            raise ValueError("retention days must be >= 0 (cases) and >= 1 (orphan blobs)")


@dataclass(frozen=True)
class Plan:
    """What retention removes (or, for a dry run, would remove)."""

    cases: tuple[str, ...]
    uploads: tuple[str, ...]
    blobs: tuple[str, ...]

    @property
    def empty(self) -> bool:
        """True when the run found nothing to remove."""
        return not (self.cases or self.uploads or self.blobs)


def _today() -> dt.date:
    """The UTC day retention counts from (the clock seam of tests that age a case)."""
    return dt.datetime.now(dt.UTC).date()


# Journal kinds the reporter writes (the others are reviewers' signed records).
REPORTER_KINDS = ("report", "message", "retaliation", "consent")


def acknowledged_through(ops: Operations) -> int:
    """The lowest journal seq every acknowledging reviewer has confirmed (0 if none ever did)."""
    lowest = ops.s.scalar(
        select(func.min(Cursor.seq)).where(Cursor.consumer.startswith(ACK_PREFIX))
    )
    return int(lowest or 0)


def _due_closed_cases(
    ops: Operations, policy: RetentionPolicy, today: dt.date
) -> list[tuple[str, bool, bool]]:
    """(case, late reporter item?, unacknowledged item?) of every case closed before the cutoff."""
    cutoff = today - dt.timedelta(days=policy.closed_case_days)
    status = aliased(Item)
    last_status = (
        select(func.max(status.seq))
        .where(status.case_id == Case.id, status.kind == "status")
        .correlate(Case)
    ).scalar_subquery()
    late_reporter_item = exists().where(
        Item.case_id == Case.id, Item.kind.in_(REPORTER_KINDS), Item.seq > last_status
    )
    unacknowledged = exists().where(Item.case_id == Case.id, Item.seq > acknowledged_through(ops))
    query = select(Case.id, late_reporter_item, unacknowledged).where(
        Case.status.like("closed\\_%", escape="\\"),
        Case.status_day < cutoff,
    )
    return [
        (cid, bool(late), bool(unacked))
        for cid, late, unacked in ops.s.execute(query.order_by(Case.id)).all()
    ]


def _doomed_cases(ops: Operations, policy: RetentionPolicy, today: dt.date) -> list[str]:
    return [
        cid for cid, late, unacked in _due_closed_cases(ops, policy, today) if not (late or unacked)
    ]


def _unreferenced_after(ops: Operations, cases: list[str]) -> list[str]:
    """Blob rows that no item outside ``cases`` refers to."""
    survivors = select(Item.seq).where(Item.case_id.not_in(cases)) if cases else select(Item.seq)
    used_direct = exists().where(Item.blob_sha == Blob.sha256, Item.seq.in_(survivors))
    used_evidence = exists().where(
        ItemEvidence.blob_sha == Blob.sha256, ItemEvidence.item_seq.in_(survivors)
    )
    return list(
        ops.s.scalars(
            select(Blob.sha256).where(~or_(used_direct, used_evidence)).order_by(Blob.sha256)
        ).all()
    )


def _orphan_files(
    vault: Vault, ops: Operations, policy: RetentionPolicy, today: dt.date
) -> list[str]:
    """Blob files with no row, written (by their day mtime) before the grace period."""
    known = set(ops.s.scalars(select(Blob.sha256)).all())
    cutoff = today - dt.timedelta(days=policy.orphan_blob_days)
    found = []
    for sha in vault.blobs.iter_shas():
        if sha not in known and vault.blobs.written_before(sha, cutoff):
            found.append(sha)
    return sorted(found)


def _collect(vault: Vault, ops: Operations, policy: RetentionPolicy, today: dt.date) -> Plan:
    cases = _doomed_cases(ops, policy, today)
    uploads = ops.s.scalars(select(Upload.id).where(Upload.expires_on <= today)).all()
    blobs = _unreferenced_after(ops, cases) + _orphan_files(vault, ops, policy, today)
    return Plan(tuple(cases), tuple(sorted(uploads)), tuple(sorted(set(blobs))))


def plan(vault: Vault, policy: RetentionPolicy, today: dt.date | None = None) -> Plan:
    """Dry run: list the cases, upload sessions and blobs :func:`apply` would remove."""
    day = today or _today()
    with vault.reading() as ops:
        return _collect(vault, ops, policy, day)


def kept(
    vault: Vault, policy: RetentionPolicy, today: dt.date | None = None
) -> list[tuple[str, tuple[str, ...]]]:
    """(case, reasons) of the cases closed long enough to go that retention keeps, and why:
    ``late_activity`` (the reporter wrote after the last status) and/or ``unacknowledged``
    (an item no reviewer has confirmed importing yet). Changes nothing."""
    day = today or _today()
    with vault.reading() as ops:
        found = _due_closed_cases(ops, policy, day)
    out = []
    for cid, late, unacked in found:
        reasons = tuple(r for r, on in (("late_activity", late), ("unacknowledged", unacked)) if on)
        if reasons:
            out.append((cid, reasons))
    return out


def apply(vault: Vault, policy: RetentionPolicy, today: dt.date | None = None) -> Plan:
    """Remove what :func:`plan` lists; return it. Rows first (one transaction), then files.

    If the process dies between the two steps, the files left behind have no row and the
    next run removes them as orphans.
    """
    day = today or _today()
    with vault.writing() as ops:
        ops._lock_journal()  # no case may take a reference to a doomed blob meanwhile
        result = _collect(vault, ops, policy, day)
        if result.cases:
            ops.s.execute(delete(Case).where(Case.id.in_(result.cases)))
        if result.blobs:
            ops.s.execute(delete(Blob).where(Blob.sha256.in_(result.blobs)))
    vault.expire_uploads(day)
    # A blob shared with a surviving case keeps its row (``_unreferenced_after``); and a row
    # added since the commit above (the same bytes sent again) keeps its file.
    vault.delete_unreferenced(result.blobs)
    vault.sweep_upload_files()
    _compact(vault)
    return result


def _compact(vault: Vault) -> None:
    """Push deleted rows out of the write-ahead log (SQLite) or mark them free (PostgreSQL)."""
    if vault.engine.dialect.name == "sqlite":
        raw = vault.engine.raw_connection()  # outside any transaction, or it cannot truncate
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    else:
        with vault.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in (
                "item_evidence",
                "items",
                "case_recipients",
                "cases",
                "blobs",
                "uploads",
                "blob_chunks",
                "blob_contents",
            ):
                conn.execute(text(f"VACUUM {table}"))
