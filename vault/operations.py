"""The vault's operations inside one open transaction: :class:`Operations` (what each
:class:`vault.store.Vault` method runs in its own transaction) and :class:`Batch` (many
outbound records in one all-or-nothing transaction, a whole import bundle).

Lock order, the same everywhere so writers cannot deadlock: the journal lock first
(PostgreSQL advisory lock; SQLite holds its write lock), then the named case rows in id order.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Table, insert, select, text
from sqlalchemy.orm import Session

from .admission import order_key_of, proven_followup, record_body
from .blobstore import BlobRef, BlobStore
from .entries import MESSAGE_KINDS, CaseInfo, Entry, OrderKey, Outbound
from .errors import (
    BlobNotFoundError,
    CaseNotFoundError,
    DuplicateCaseError,
    MissingBlobError,
    RecordMismatchError,
)
from .models import (
    AppliedBundle,
    Base,
    Blob,
    Case,
    CaseRecipient,
    Cursor,
    Item,
    ItemEvidence,
)

_JOURNAL_LOCK = 0x6269_7369_6B01  # PostgreSQL advisory lock: journal seq == commit order
_IN_CHUNK = 500  # ids per IN (...) list: well under every backend's parameter limit


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _new_id() -> str:
    """80 random bits as 16 lowercase base32 symbols: opaque, URL- and filename-safe."""
    return base64.b32encode(secrets.token_bytes(10)).decode().lower()


def _table(model: type[Base]) -> Table:
    """The Core table of a model: Core ``insert(table)`` with a list of rows is one
    executemany; the ORM bulk path would split rows that differ in which keys are None."""
    return model.metadata.tables[model.__tablename__]


def chunks(items: Sequence[Any], size: int = _IN_CHUNK) -> Iterator[Sequence[Any]]:
    """Slices of at most ``size`` items (one ``IN (...)`` list each)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Operations:
    """Operations on one open session (shared by :class:`Vault` and :class:`Batch`).

    Case rows are cached for the life of the session (one transaction): a bundle that names
    the same case 300 times reads it once, and locks it (``FOR NO KEY UPDATE``) once.
    """

    def __init__(self, session: Session, blobs: BlobStore) -> None:
        self.s = session
        self.blobs = blobs
        self._journal_locked = False
        self._cases: dict[str, Case] = {}
        self._locked: set[str] = set()

    # -- helpers -----------------------------------------------------------------------------
    def _case(self, case_id: str, *, lock: bool = False) -> Case:
        return self._load_cases([case_id], lock=lock)[case_id]

    def _load_cases(self, case_ids: Sequence[str], *, lock: bool = False) -> dict[str, Case]:
        """The named cases, from the session cache or in one query per 500 ids.

        ``lock``: ``SELECT … FOR NO KEY UPDATE`` (PostgreSQL; SQLite already holds the write
        lock), in id order so two imports touching the same cases cannot deadlock; the lock
        does not block the foreign-key check of an item being added to the case elsewhere.
        Locked rows are re-read so the values are the committed ones. CaseNotFoundError if
        any is absent.
        """
        done = self._locked if lock else self._cases.keys()
        want = sorted({c for c in case_ids if c not in done})
        for chunk in chunks(want):
            stmt = select(Case).where(Case.id.in_(chunk)).order_by(Case.id)
            if lock:
                stmt = stmt.with_for_update(key_share=True).execution_options(
                    populate_existing=True
                )
            for case in self.s.scalars(stmt):
                self._cases[case.id] = case
                if lock:
                    self._locked.add(case.id)
        missing = [c for c in case_ids if c not in self._cases]
        if missing:
            raise CaseNotFoundError(f"no case {missing[0]}")
        return {c: self._cases[c] for c in case_ids}

    def _check_stored(self, ref: BlobRef) -> None:
        try:
            size = self.blobs.size(ref.sha256)
        except BlobNotFoundError:
            size = -1
        if size != ref.size:
            raise MissingBlobError(f"blob {ref.sha256} is not stored with size {ref.size}")

    def _register_blob(self, ref: BlobRef) -> None:
        self._lock_journal()  # Vault.delete_unreferenced checks rows under the same lock
        self._check_stored(ref)
        row = self.s.get(Blob, ref.sha256)
        if row is None:
            self.s.add(Blob(sha256=ref.sha256, size=ref.size))
            self.s.flush()
        elif row.size != ref.size:
            raise MissingBlobError(f"blob {ref.sha256} is known with another size")

    def _register_blobs(self, refs: Sequence[BlobRef]) -> None:
        """Many blobs at once: one stat each, one SELECT per 500, one multi-row INSERT."""
        if refs:
            self._lock_journal()  # as in _register_blob
        unique = {r.sha256: r for r in refs}
        for ref in refs:
            if unique[ref.sha256].size != ref.size:
                raise MissingBlobError(f"blob {ref.sha256} is named with two sizes")
        for ref in unique.values():
            self._check_stored(ref)
        known: dict[str, int] = {}
        for chunk in chunks(sorted(unique)):
            rows = self.s.execute(select(Blob.sha256, Blob.size).where(Blob.sha256.in_(chunk)))
            known.update((sha, size) for sha, size in rows)
        for sha, size in known.items():
            if unique[sha].size != size:
                raise MissingBlobError(f"blob {sha} is known with another size")
        new = [
            {"sha256": r.sha256, "size": r.size} for r in unique.values() if r.sha256 not in known
        ]
        if new:
            self.s.execute(insert(_table(Blob)), new)

    def _lock_journal(self) -> None:
        if not self._journal_locked and self.s.get_bind().dialect.name == "postgresql":
            self.s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _JOURNAL_LOCK})
            self._journal_locked = True  # held until commit: once per transaction is enough

    def _append(self, item: Item, evidence: Sequence[BlobRef] = ()) -> int:
        self._lock_journal()
        item.day = _today()  # the day only: see vault/migrations/versions/0003_item_days.py
        self.s.add(item)
        self.s.flush()
        for pos, ref in enumerate(evidence):
            self._register_blob(ref)
            self.s.add(ItemEvidence(item_seq=item.seq, position=pos, blob_sha=ref.sha256))
        self.s.flush()
        return item.seq

    def _existing_hashes(self, hashes: Sequence[bytes]) -> set[bytes]:
        found: set[bytes] = set()
        for chunk in chunks(sorted(set(hashes))):
            stmt = select(Item.record_hash).where(Item.record_hash.in_(chunk))
            found.update(h for h in self.s.scalars(stmt) if h is not None)
        return found

    # -- reporter side -------------------------------------------------------------------------
    def create_case(
        self,
        *,
        lookup_tag: bytes,
        reply_public: bytes,
        recipients: Sequence[str],
        report_blob: BlobRef,
        evidence: Sequence[BlobRef],
        followup_public: bytes | None = None,
    ) -> str:
        """Create a case (see :meth:`vault.store.Vault.create_case`); return its id."""
        if len(lookup_tag) != 32 or len(reply_public) != 32:
            raise ValueError("lookup tag and reply public key are 32 bytes each")
        if followup_public is not None and len(followup_public) != 32:
            raise ValueError("a follow-up public key is 32 bytes")
        if not recipients:
            raise ValueError("a case needs at least one recipient")
        if self.s.scalar(select(Case.id).where(Case.lookup_tag == lookup_tag)) is not None:
            raise DuplicateCaseError("a case with this lookup tag exists")
        case_id = _new_id()
        self.s.add(
            Case(
                id=case_id,
                lookup_tag=lookup_tag,
                reply_public=reply_public,
                followup_public=followup_public,
                received_day=_today(),
            )
        )
        for rid in sorted(set(recipients)):
            self.s.add(CaseRecipient(case_id=case_id, recipient=rid))
        self._register_blob(report_blob)
        self._append(Item(case_id=case_id, kind="report", blob_sha=report_blob.sha256), evidence)
        return case_id

    def add_message(
        self,
        case_id: str,
        *,
        kind: str,
        blob: BlobRef,
        evidence: Sequence[BlobRef],
        signature: bytes | None = None,
    ) -> int:
        """Add a follow-up once its signature checks (:meth:`vault.store.Vault.add_message`)."""
        if kind not in MESSAGE_KINDS:
            raise ValueError(f"kind must be one of {sorted(MESSAGE_KINDS)}")
        case = self._case(case_id)
        record = proven_followup(
            case.followup_public,
            case.id,
            kind,
            blob.sha256,
            [e.sha256 for e in evidence],
            signature,
        )
        self._register_blob(blob)
        return self._append(
            Item(case_id=case_id, kind=kind, blob_sha=blob.sha256, record=record), evidence
        )

    # -- outbound records ----------------------------------------------------------------------
    def add_status(self, case_id: str, record: bytes, order_key: OrderKey = None) -> bool:
        """Store a signed status record; False if it was already stored."""
        return self.add_records([Outbound("status", case_id, record, None, order_key)])[0]

    def add_reply(
        self, case_id: str, record: bytes, blob: BlobRef, order_key: OrderKey = None
    ) -> bool:
        """Store a signed reply record and its envelope; False on a replay."""
        return self.add_records([Outbound("reply", case_id, record, blob, order_key)])[0]

    def add_records(self, outbound: Sequence[Outbound]) -> list[bool]:
        """Store many records in a few statements; the same result as one call per record.

        Round trips, whatever the count (per 500 ids): the journal lock, one ``SELECT … FOR
        NO KEY UPDATE`` of the named cases, one look-up of the record hashes, one of the reply
        blobs, one multi-row INSERT of new blobs, one of journal items, and one UPDATE per
        case whose current status changes.
        """
        bodies: list[dict[str, Any]] = []
        for out in outbound:  # every record checked before anything is written
            body = record_body(out.record, out.case_id)
            if out.kind == "status":
                if not isinstance(body.get("state"), str):
                    raise RecordMismatchError("a status record needs a state")
            elif out.kind == "reply":
                if out.blob is None or body.get("envelope_sha256") != out.blob.sha256:
                    raise RecordMismatchError("the reply record names another envelope")
            elif out.kind == "link":  # crypto/SPEC.md §15
                if out.blob is not None:
                    raise ValueError("a link record has no envelope")
            elif out.kind != "track":  # a tracking step (SPEC §16): history only
                raise ValueError("an outbound record is a status, a reply, a link or a step")
            bodies.append(body)
        # Lock order, the same as add_message/create_case so they cannot deadlock with an
        # import: the journal lock first, then the named case rows (so concurrent imports
        # cannot lose the newest status), in id order.
        if outbound:
            self._lock_journal()
        cases = self._load_cases([o.case_id for o in outbound], lock=True)
        hashes = [hashlib.sha256(o.record).digest() for o in outbound]
        seen = self._existing_hashes(hashes)
        fresh: list[bool] = []
        rows: list[dict[str, Any]] = []
        for out, body, rhash in zip(outbound, bodies, hashes, strict=True):
            if rhash in seen:  # a replay (or the same record twice in one batch)
                fresh.append(False)
                continue
            seen.add(rhash)
            fresh.append(True)
            key = order_key_of(out.order_key, body)
            rows.append(
                {
                    "case_id": out.case_id,
                    "kind": out.kind,
                    "record": out.record,
                    "record_hash": rhash,
                    "order_key": key,
                    "blob_sha": out.blob.sha256 if out.blob else None,
                }
            )
            if out.kind == "status":
                case = cases[out.case_id]
                if case.status_order is None or key > case.status_order:
                    case.status = body["state"]
                    case.status_order = key
                    case.status_day = dt.datetime.fromisoformat(key.split("|")[0]).date()
        self._register_blobs(
            [o.blob for o, new in zip(outbound, fresh, strict=True) if new and o.blob is not None]
        )
        if rows:
            # One executemany in batch order, so journal seqs follow the order given.
            self.s.execute(insert(_table(Item)), rows)
        self.s.flush()  # the changed case rows: one UPDATE each
        return fresh

    def mark_bundle(self, bundle_id: bytes) -> bool:
        """Record a bundle id as applied; False if it already was (the caller then stops)."""
        if not 1 <= len(bundle_id) <= 64:
            raise ValueError("a bundle id is 1 to 64 bytes")
        if self.s.get(AppliedBundle, bundle_id) is not None:
            return False
        self.s.add(AppliedBundle(bundle_id=bundle_id))
        self.s.flush()
        return True

    def set_cursor(self, name: str, seq: int) -> None:
        """Move a named export cursor forward (never backwards)."""
        row = self.s.get(Cursor, name, with_for_update=True)
        if row is None:
            self.s.add(Cursor(consumer=name, seq=seq))
        elif seq > row.seq:
            row.seq = seq
        self.s.flush()

    # -- reading -------------------------------------------------------------------------------
    def case_info(self, case: Case) -> CaseInfo:
        """CaseInfo of one loaded case."""
        return self.case_infos([case])[case.id]

    def case_infos(self, cases: Sequence[Case]) -> dict[str, CaseInfo]:
        """CaseInfo of many cases in two queries per 500 (recipients; current status records)."""
        recipients: dict[str, list[str]] = {c.id: [] for c in cases}
        records_: dict[str, bytes] = {}
        for chunk in chunks(sorted(recipients)):
            for case_id, rid in self.s.execute(
                select(CaseRecipient.case_id, CaseRecipient.recipient)
                .where(CaseRecipient.case_id.in_(chunk))
                .order_by(CaseRecipient.case_id, CaseRecipient.recipient)
            ):
                recipients[case_id].append(rid)
            with_status = [c.id for c in cases if c.id in chunk and c.status_order is not None]
            if with_status:
                for case_id, record in self.s.execute(
                    select(Item.case_id, Item.record)
                    .join(Case, (Case.id == Item.case_id) & (Case.status_order == Item.order_key))
                    .where(Item.kind == "status", Item.case_id.in_(with_status))
                    .order_by(Item.seq)
                ):
                    if record is not None:
                        records_.setdefault(case_id, record)
        return {
            c.id: CaseInfo(
                c.id,
                c.reply_public,
                c.received_day,
                tuple(recipients[c.id]),
                c.status,
                records_.get(c.id),
                c.followup_public,
            )
            for c in cases
        }

    def entries(self, items: Sequence[Any]) -> list[Entry]:
        """Entries for journal items (ORM ``Item`` objects or rows with the same columns)."""
        seqs = [i.seq for i in items]
        evidence: dict[int, list[BlobRef]] = {s: [] for s in seqs}
        shas = {i.blob_sha for i in items if i.blob_sha}
        if seqs:
            rows = self.s.execute(
                select(ItemEvidence.item_seq, Blob.sha256, Blob.size)
                .join(Blob, Blob.sha256 == ItemEvidence.blob_sha)
                .where(ItemEvidence.item_seq.in_(seqs))
                .order_by(ItemEvidence.item_seq, ItemEvidence.position)
            ).all()
            for seq, sha, size in rows:
                evidence[seq].append(BlobRef(sha, size))
        sizes: dict[str, int] = {}
        if shas:
            rows2 = self.s.execute(select(Blob.sha256, Blob.size).where(Blob.sha256.in_(shas)))
            sizes = {sha: size for sha, size in rows2}
        return [
            Entry(
                i.seq,
                i.case_id,
                i.kind,
                BlobRef(i.blob_sha, sizes[i.blob_sha]) if i.blob_sha else None,
                tuple(evidence[i.seq]),
                i.record,
                i.order_key,
                getattr(i, "day", None),
            )
            for i in items
        ]


class Batch(Operations):
    """One transaction for many outbound records (a whole import bundle): all or nothing.

    The same operations as :class:`Operations`; the name marks what the caller holds.
    """
