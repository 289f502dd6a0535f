"""The vault repository: cases, journal items, signed records, and export cursors; uploads
in :mod:`vault.uploads`.

:class:`Vault` is what the intake and the transfer code call. Each public method is one
transaction; :meth:`Vault.batch` groups many outbound records into one all-or-nothing
transaction (a whole import bundle).

What it stores, and so what a seizure yields: opaque case ids, keyed lookup tags, reply public
keys, the UTC day a case arrived, recipient ids, blob hashes and padded
sizes, signed status/reply records, and the journal order of items. Never plaintext, receipts,
file names, addresses, browser strings or precise reporter times.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, Table, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crypto import followup, records, signed
from crypto.errors import FormatError, SignatureError
from crypto.keys import load_ed25519_public

from . import db
from .blobstore import (
    BlobRef,
    BlobStore,
    LocalBlobStore,
    Written,
)
from .dbblobs import DatabaseBlobStore
from .dbuploads import DatabaseUploads
from .errors import (
    BlobNotFoundError,
    CaseNotFoundError,
    DuplicateCaseError,
    MissingBlobError,
    RecordMismatchError,
    UnprovenFollowupError,
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
from .uploads import Uploads

MESSAGE_KINDS = frozenset({"message", "retaliation", "consent"})  # consent: SPEC §14
_JOURNAL_LOCK = 0x6269_7369_6B01  # PostgreSQL advisory lock: journal seq == commit order
_HASH_CHUNK = 1 << 20
_IN_CHUNK = 500  # ids per IN (...) list: well under every backend's parameter limit
OrderKey = str | tuple[str, str] | None


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _new_id() -> str:
    """80 random bits as 16 lowercase base32 symbols: opaque, URL- and filename-safe."""
    return base64.b32encode(secrets.token_bytes(10)).decode().lower()


def _owner_hash(owner: bytes) -> bytes:
    return hashlib.sha256(b"bisik/v1 upload-owner\x00" + owner).digest()


@dataclass(frozen=True)
class CaseInfo:
    """What the vault knows about a case (nothing of it identifies the reporter)."""

    id: str
    reply_public: bytes
    received_day: dt.date
    recipients: tuple[str, ...]
    status: str | None
    status_record: bytes | None
    followup_public: bytes | None = None  # signs the reporter's follow-ups (SPEC §12)


@dataclass(frozen=True)
class Entry:
    """One journal item: a report, message, retaliation report, status or reply."""

    seq: int
    case_id: str
    kind: str
    blob: BlobRef | None
    evidence: tuple[BlobRef, ...]
    record: bytes | None
    order_key: str | None
    day: dt.date | None = None  # the UTC day it arrived; None before migration 0003


ExportItem = Entry


@dataclass(frozen=True)
class CaseHistory:
    """A case with all its items; statuses and replies sorted by their record order."""

    case: CaseInfo
    entries: tuple[Entry, ...]
    statuses: tuple[bytes, ...]
    replies: tuple[tuple[bytes, BlobRef], ...]
    steps: tuple[bytes, ...] = ()  # tracking steps (crypto/SPEC.md §16), in record order

    @property
    def links(self) -> tuple[bytes, ...]:
        """The signed link records of the case (crypto/SPEC.md §15), in journal order."""
        return tuple(e.record for e in self.entries if e.kind == "link" and e.record is not None)


@dataclass(frozen=True)
class Outbound:
    """One verified outbound record for :meth:`Batch.add_records` (a status or a reply).

    ``blob`` is the reply envelope (already in the blob store), None for a status.
    """

    kind: str  # "status" | "reply" | "track"
    case_id: str
    record: bytes
    blob: BlobRef | None = None
    order_key: OrderKey = None


def _table(model: type[Base]) -> Table:
    """The Core table of a model: Core ``insert(table)`` with a list of rows is one
    executemany; the ORM bulk path would split rows that differ in which keys are None."""
    return model.metadata.tables[model.__tablename__]


def _chunks(items: Sequence[Any], size: int = _IN_CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def proven_followup(
    followup_public: bytes | None,
    case_id: str,
    kind: str,
    blob_sha: str,
    evidence_shas: Sequence[str],
    signature: bytes | None,
) -> bytes | None:
    """The follow-up signature to store, checked before anything is (crypto/SPEC.md §12).

    A case with a follow-up key takes only items its key signed for exactly this case, kind,
    envelope and evidence list (UnprovenFollowupError otherwise). A case from before §12 has
    no key: its items are stored unsigned (None), and the reviewer sees them as unproven.
    """
    if followup_public is None:
        return None
    if signature is None:
        raise UnprovenFollowupError("this case takes only follow-ups signed by its key")
    try:
        key = load_ed25519_public(followup_public)
        followup.verify(signature, key, case_id, kind, blob_sha, evidence_shas)
    except (SignatureError, FormatError) as exc:
        raise UnprovenFollowupError("the follow-up signature does not verify") from exc
    return signature


def normalize_order_key(order_key: OrderKey, record: bytes) -> str:
    """The stored form ``"<UTC ISO time>|<record id>"`` of a record's order key.

    Always computed from the record body (crypto.records.order_key); a key the caller passes
    must agree with it, so a wrong key can never promote an older status.
    """
    try:
        body = signed.body_of(record)
    except (FormatError, ValueError) as exc:
        raise RecordMismatchError("the record has no valid time and id") from exc
    return _order_key_of(order_key, body)


def _order_key_of(order_key: OrderKey, body: Any) -> str:
    try:
        at, rid = records.order_key(body)
    except (FormatError, KeyError, TypeError, ValueError) as exc:
        raise RecordMismatchError("the record has no valid time and id") from exc
    computed = f"{at}|{rid}"
    given = (
        None
        if order_key is None
        else (order_key if isinstance(order_key, str) else "|".join(order_key))
    )
    if given is not None and given != computed:
        raise RecordMismatchError("the order key does not match the record")
    return computed


def _record_body(record: bytes, case_id: str) -> dict[str, Any]:
    try:
        body = signed.body_of(record)
    except (FormatError, ValueError) as exc:
        raise RecordMismatchError("not a signed record") from exc
    if not isinstance(body, dict) or body.get("case") != case_id:
        raise RecordMismatchError("the record names another case")
    return body


class _Ops:
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
        for chunk in _chunks(want):
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
        for chunk in _chunks(sorted(unique)):
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
        for chunk in _chunks(sorted(set(hashes))):
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
        return self.add_records([Outbound("status", case_id, record, None, order_key)])[0]

    def add_reply(
        self, case_id: str, record: bytes, blob: BlobRef, order_key: OrderKey = None
    ) -> bool:
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
            body = _record_body(out.record, out.case_id)
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
            key = _order_key_of(out.order_key, body)
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
        if not 1 <= len(bundle_id) <= 64:
            raise ValueError("a bundle id is 1 to 64 bytes")
        if self.s.get(AppliedBundle, bundle_id) is not None:
            return False
        self.s.add(AppliedBundle(bundle_id=bundle_id))
        self.s.flush()
        return True

    def set_cursor(self, name: str, seq: int) -> None:
        row = self.s.get(Cursor, name, with_for_update=True)
        if row is None:
            self.s.add(Cursor(consumer=name, seq=seq))
        elif seq > row.seq:
            row.seq = seq
        self.s.flush()

    # -- reading -------------------------------------------------------------------------------
    def case_info(self, case: Case) -> CaseInfo:
        return self.case_infos([case])[case.id]

    def case_infos(self, cases: Sequence[Case]) -> dict[str, CaseInfo]:
        """CaseInfo of many cases in two queries per 500 (recipients; current status records)."""
        recipients: dict[str, list[str]] = {c.id: [] for c in cases}
        records_: dict[str, bytes] = {}
        for chunk in _chunks(sorted(recipients)):
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


class Batch(_Ops):
    """One transaction for many outbound records (a whole import bundle): all or nothing."""

    def add_status(self, case_id: str, record: bytes, order_key: OrderKey = None) -> bool:
        """See :meth:`Vault.add_status`."""
        return super().add_status(case_id, record, order_key)

    def add_reply(
        self, case_id: str, record: bytes, blob: BlobRef, order_key: OrderKey = None
    ) -> bool:
        """See :meth:`Vault.add_reply`."""
        return super().add_reply(case_id, record, blob, order_key)

    def add_records(self, outbound: Sequence[Outbound]) -> list[bool]:
        """Many add_status/add_reply at once, in a few statements; True per new record.

        Same checks and outcome as calling :meth:`add_status` / :meth:`add_reply` in order
        (replays and repeats within the list are False, the greatest order key is current),
        but every case is read and locked once and the rows go in as multi-row INSERTs.
        Any error leaves the whole batch to roll back.
        """
        return super().add_records(outbound)

    def mark_bundle(self, bundle_id: bytes) -> bool:
        """Record a bundle id as applied; False if it already was (the caller then stops)."""
        return super().mark_bundle(bundle_id)

    def set_cursor(self, name: str, seq: int) -> None:
        """Move a named export cursor forward (never backwards)."""
        super().set_cursor(name, seq)


BLOB_STORES = ("files", "database")


class Vault:
    """The server's storage: a database (SQLite or PostgreSQL) plus a content-addressed
    blob store and partial uploads: files under the home directory (``blob_store="files"``)
    or rows of the database itself (``"database"``, so several nodes share them)."""

    def __init__(
        self, engine: Engine, home: Path, *, upload_days: int = 2, blob_store: str = "files"
    ) -> None:
        if blob_store not in BLOB_STORES:
            raise ValueError(f"blob_store must be one of {', '.join(BLOB_STORES)}")
        self.engine = engine
        self.home = Path(home)
        self.tmp_dir = self.home / "tmp"  # the only temporary directory (docs/ARCHITECTURE.md)
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(db.reader(engine), expire_on_commit=False)
        self.blob_store = blob_store
        self.blobs: BlobStore
        if blob_store == "database":
            self.blobs = DatabaseBlobStore(self._sessions, self._read_sessions, self.tmp_dir)
            self.uploads: Uploads = DatabaseUploads(
                self._sessions, self._read_sessions, self.blobs, self.home / "uploads", upload_days
            )
        else:
            self.blobs = LocalBlobStore(self.home / "blobs", self.tmp_dir)
            self.uploads = Uploads(
                self._sessions, self._read_sessions, self.blobs, self.home / "uploads", upload_days
            )
        self.uploads_dir = self.uploads.directory
        self.upload_days = upload_days

    @classmethod
    def open(
        cls, db_url: str, home: Path, *, upload_days: int = 2, blob_store: str = "files"
    ) -> Vault:
        """Open (creating if needed) the vault: migrate the schema to head, make directories."""
        home = Path(home)
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        engine = db.make_engine(db_url)
        db.migrate(engine)
        return cls(engine, home, upload_days=upload_days, blob_store=blob_store)

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()

    def __enter__(self) -> Vault:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[_Ops]:
        with self._sessions() as session, session.begin():
            yield _Ops(session, self.blobs)

    @contextmanager
    def _read(self) -> Iterator[_Ops]:
        with self._read_sessions() as session, session.begin():
            yield _Ops(session, self.blobs)

    @contextmanager
    def batch(self) -> Iterator[Batch]:
        """One transaction for many add_status/add_reply/mark_bundle/set_cursor calls."""
        with self._sessions() as session, session.begin():
            yield Batch(session, self.blobs)

    # -- cases -------------------------------------------------------------------------------
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
        """Create a case for a stored report envelope; return its random opaque id.

        ``lookup_tag`` is crypto.receipt.lookup_tag(pepper, lookup_id) (32 bytes), never the
        receipt. The only date stored is today's UTC day. ``followup_public`` (32 bytes) is the
        key later follow-ups must be signed by (crypto/SPEC.md §12). DuplicateCaseError if the
        tag is used, MissingBlobError if a blob is not in the store with the given size.
        """
        try:
            with self._tx() as ops:
                return ops.create_case(
                    lookup_tag=lookup_tag,
                    reply_public=reply_public,
                    recipients=recipients,
                    report_blob=report_blob,
                    evidence=evidence,
                    followup_public=followup_public,
                )
        except IntegrityError as exc:  # a concurrent insert of the same tag
            raise DuplicateCaseError("a case with this lookup tag exists") from exc

    def case_by_lookup(self, lookup_tag: bytes) -> CaseInfo | None:
        """The case whose lookup tag this is, or None.

        Leaks through timing only whether a tag exists; a tag is an HMAC under the server's
        pepper, so that says nothing about any receipt without the pepper.
        """
        with self._read() as ops:
            case = ops.s.scalar(select(Case).where(Case.lookup_tag == lookup_tag))
            if case is None or not hmac.compare_digest(case.lookup_tag, lookup_tag):
                return None
            return ops.case_info(case)

    def case_info(self, case_id: str) -> CaseInfo:
        """Metadata of one case; CaseNotFoundError if absent."""
        with self._read() as ops:
            return ops.case_info(ops._case(case_id))

    def case_infos(self, case_ids: Sequence[str]) -> dict[str, CaseInfo]:
        """Metadata of many cases in one read transaction and a few queries per 500 ids.

        Ids of absent cases are simply not in the result (the caller decides what that means).
        """
        with self._read() as ops:
            found: list[Case] = []
            for chunk in _chunks(sorted(set(case_ids))):
                found.extend(ops.s.scalars(select(Case).where(Case.id.in_(chunk))))
            return ops.case_infos(found)

    def add_message(
        self,
        case_id: str,
        *,
        kind: str,
        blob: BlobRef,
        evidence: Sequence[BlobRef] = (),
        signature: bytes | None = None,
    ) -> int:
        """Add a follow-up message or retaliation report envelope; return its journal seq.

        ``signature`` is the reporter's follow-up signature (crypto/SPEC.md §12), required when the
        case has a follow-up key and checked before anything is stored: UnprovenFollowupError
        (nothing stored) if it is missing or does not verify.
        """
        with self._tx() as ops:
            return ops.add_message(
                case_id, kind=kind, blob=blob, evidence=evidence, signature=signature
            )

    def case_history(self, case_id: str) -> CaseHistory:
        """Everything stored for a case; statuses and replies in record order."""
        with self._read() as ops:
            info = ops.case_info(ops._case(case_id))
            items = ops.s.scalars(
                select(Item).where(Item.case_id == case_id).order_by(Item.seq)
            ).all()
            entries = ops.entries(items)
        statuses = sorted((e for e in entries if e.kind == "status"), key=_order)
        replies = sorted((e for e in entries if e.kind == "reply"), key=_order)
        steps = sorted((e for e in entries if e.kind == "track"), key=_order)
        return CaseHistory(
            info,
            tuple(entries),
            tuple(e.record for e in statuses if e.record is not None),
            tuple((e.record, e.blob) for e in replies if e.record is not None and e.blob),
            tuple(e.record for e in steps if e.record is not None),
        )

    # -- outbound records ----------------------------------------------------------------------
    def add_status(self, case_id: str, record: bytes, order_key: OrderKey = None) -> bool:
        """Store a (verified) signed status record; False if it was already stored.

        The case's current status becomes this one only if its order key is the greatest.
        RecordMismatchError if the record names another case.
        """
        with self.batch() as tx:
            return tx.add_status(case_id, record, order_key)

    def add_reply(
        self, case_id: str, record: bytes, blob: BlobRef, order_key: OrderKey = None
    ) -> bool:
        """Store a (verified) signed reply record and its envelope; False on a replay."""
        with self.batch() as tx:
            return tx.add_reply(case_id, record, blob, order_key)

    # -- removing blobs ------------------------------------------------------------------------
    def discard(self, written: Sequence[Written]) -> list[str]:
        """Take back the blobs a failed or refused request put: only those it created itself
        (``Written.created``) and that no row references. Returns the addresses removed.

        The same bytes may already be stored for a case (a replayed request, an envelope
        copied out of an export bundle): those were not created by this request, and a row
        references them, so they stay. See :meth:`delete_unreferenced` for the race with a
        request registering the same bytes at the same moment.
        """
        return self.delete_unreferenced([w.ref.sha256 for w in written if w.created])

    def delete_unreferenced(self, shas: Sequence[str]) -> list[str]:
        """Overwrite and unlink each blob no ``blobs`` row names; return those removed.

        Every writer that adds a blob row takes the journal lock (PostgreSQL advisory lock;
        SQLite's write lock) before it checks that the file exists. The check for a row and
        the unlink happen here under that lock, so a blob is either still referenced (and
        kept) or gone before anyone can reference it (who then fails with MissingBlobError
        instead of pointing at a deleted file).
        """
        removed: list[str] = []
        for sha in dict.fromkeys(shas):
            with self._tx() as ops:
                ops._lock_journal()
                if ops.s.get(Blob, sha) is None:
                    self.blobs.delete_within(ops.s, sha)
                    removed.append(sha)
        return removed

    # -- export --------------------------------------------------------------------------------
    def items_since(self, after_seq: int, *, limit: int = 1000) -> list[ExportItem]:
        """Journal items with ``seq > after_seq``, ascending, at most ``limit``."""
        with self._read() as ops:
            # plain rows, not ORM objects: the export pages through every item of the journal
            rows = ops.s.execute(
                select(
                    Item.seq, Item.case_id, Item.kind, Item.blob_sha, Item.record, Item.order_key
                )
                .where(Item.seq > after_seq)
                .order_by(Item.seq)
                .limit(limit)
            ).all()
            return ops.entries(rows)

    def last_seq(self) -> int:
        """The greatest journal seq so far (0 if empty)."""
        with self._read() as ops:
            return ops.s.scalar(select(func.coalesce(func.max(Item.seq), 0))) or 0

    def get_cursor(self, name: str) -> int:
        """Last acknowledged seq of a named consumer (0 if never set)."""
        with self._read() as ops:
            row = ops.s.get(Cursor, name)
            return row.seq if row else 0

    def set_cursor(self, name: str, seq: int) -> None:
        """Move a named cursor forward; a smaller seq is ignored."""
        with self.batch() as tx:
            tx.set_cursor(name, seq)

    # -- uploads (vault.uploads) ---------------------------------------------------------------
    def start_upload(self, *, owner: bytes, total_size: int, quota: int | None = None) -> str:
        """See :meth:`vault.uploads.Uploads.start`."""
        return self.uploads.start(owner=owner, total_size=total_size, quota=quota)

    def open_upload_bytes(self) -> int:
        """See :meth:`vault.uploads.Uploads.open_bytes`."""
        return self.uploads.open_bytes()

    def upload_offset(self, upload_id: str, owner: bytes) -> int:
        """See :meth:`vault.uploads.Uploads.offset`."""
        return self.uploads.offset(upload_id, owner)

    def upload_ranges(self, upload_id: str, owner: bytes) -> list[tuple[int, int]]:
        """See :meth:`vault.uploads.Uploads.ranges`."""
        return self.uploads.ranges(upload_id, owner)

    def append_upload(self, upload_id: str, owner: bytes, offset: int, data: bytes) -> int:
        """See :meth:`vault.uploads.Uploads.append`."""
        return self.uploads.append(upload_id, owner, offset, data)

    def finish_upload(self, upload_id: str, owner: bytes, sha256: str | None = None) -> BlobRef:
        """See :meth:`vault.uploads.Uploads.finish`."""
        return self.uploads.finish(upload_id, owner, sha256)

    def expire_uploads(self, now: dt.datetime | dt.date | None = None) -> int:
        """See :meth:`vault.uploads.Uploads.expire`."""
        return self.uploads.expire(now)

    def sweep_upload_files(self) -> int:
        """See :meth:`vault.uploads.Uploads.sweep`."""
        return self.uploads.sweep()


def _order(entry: Entry) -> tuple[str, int]:
    return (entry.order_key or "", entry.seq)
