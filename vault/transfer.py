"""Server side of the air gap: export the journal to a bundle, import reviewers' outboxes.

Called by ``bisik-server export --out FILE`` and ``bisik-server import FILE`` (intake/cli.py).
Format and rules: vault/BUNDLE.md. The export streams blobs from the blob store into the bundle
(flat memory) and signs it with the server key; the import verifies the whole outbox (every
signature against the directory, every hash, every case and reply address) before it opens one
database transaction that applies all of it or nothing.

What leaks: nothing beyond what the vault already stores (BUNDLE.md §6). Summaries carry
counts, sequence numbers and the reviewer id, never case contents.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from crypto import signed
from crypto.directory import Directory, verify_directory
from crypto.encoding import b64u_encode
from crypto.inspection import MAX_HEADER_LEN
from crypto.keys import key_id, load_ed25519_public, raw_public
from crypto.records import order_key

from . import db
from .blobstore import BlobRef
from .bundle import (
    BundleContentError,
    BundleSetupError,
    BundleWriteError,
    ExportWriter,
    Item,
    VerifiedBundle,
    read_outbox,
)
from .bundle.checks import RECORD_KINDS, envelope_recipient_ids
from .entries import MESSAGE_KINDS, CaseInfo, Entry, Outbound
from .errors import DiskFullError, VaultError
from .models import Case, CaseRecipient
from .store import Vault

PAGE = 1000
ACK_PREFIX = "ack:"
MAX_CLOCK_SKEW = dt.timedelta(days=1)  # a record dated later than this is refused (rule 21)


@dataclass(frozen=True)
class ExportSummary:
    """What one export wrote: items with ``seq_from < seq <= seq_to``, ``bytes`` on disk."""

    path: Path
    bundle_id: str
    seq_from: int
    seq_to: int
    cases: int
    items: int
    bytes: int


@dataclass(frozen=True)
class ImportSummary:
    """What one outbox import changed (all zero and ``already_imported`` for a replay)."""

    bundle_id: str
    reviewer: str
    statuses: int  # new status records stored
    replies: int  # new replies stored
    duplicates: int  # records already stored (a replay inside a new bundle): unchanged
    superseded: int  # new statuses older than the case's current one: history only
    ack: int
    already_imported: bool
    steps: int = 0  # new tracking steps stored (crypto/SPEC.md §16)


# -- keys and directory from BISIK_HOME ------------------------------------------------------


def load_server_key(home: Path | str) -> Ed25519PrivateKey:
    """The server's Ed25519 signing key from ``home/secrets/signing.key`` (raw 32 bytes)."""
    try:
        raw = (Path(home) / "secrets" / "signing.key").read_bytes()
        return Ed25519PrivateKey.from_private_bytes(raw)
    except (OSError, ValueError) as exc:
        raise BundleSetupError("cannot load the server signing key") from exc


def load_directory(home: Path | str, today: dt.date | None = None) -> Directory:
    """``home/org/directory.json`` verified against the pinned ``home/org/root.pub``."""
    org = Path(home) / "org"
    try:
        root = load_ed25519_public((org / "root.pub").read_bytes())
        return verify_directory((org / "directory.json").read_bytes(), root, today)
    except OSError as exc:
        raise BundleSetupError("cannot read the organisation directory") from exc


def ack_cursor(reviewer_id: str) -> str:
    """Name of the vault cursor holding the last export seq a reviewer acknowledged."""
    return ACK_PREFIX + reviewer_id


def default_since(vault: Vault, directory: Directory | None) -> int:
    """Where an export starts by default: after everything acknowledged.

    The lowest seq acknowledged among the active reviewers who have acknowledged any export
    (an outbox carries its laptop's acknowledgement), so every laptop that takes part still
    gets what it has not confirmed. A reviewer who never sent an outbox does not hold the
    exports back to the start — before, one idle account made every export carry every case
    again. 0 when nobody has acknowledged yet. A new laptop that needs the old cases asks
    for them with ``export --all`` (or ``--since N``).
    """
    if directory is None:
        return 0
    acks = [vault.get_cursor(ack_cursor(r.id)) for r in directory.active_reviewers()]
    return min((a for a in acks if a > 0), default=0)


# -- export ----------------------------------------------------------------------------------


def _journal(vault: Vault, since: int, until: int) -> Iterator[list[Entry]]:
    """Journal entries with ``since < seq <= until``, a page at a time."""
    after = since
    while after < until:
        page = [e for e in vault.items_since(after, limit=PAGE) if e.seq <= until]
        if page:
            yield page
        if len(page) < PAGE:
            return
        after = page[-1].seq


@dataclass(frozen=True)
class _Descriptor:
    received: str
    recipients: list[str]
    reply_key: str


def _descriptors(vault: Vault, ids: set[str]) -> dict[str, _Descriptor]:
    """Case descriptors for one page of entries in two queries.

    ``Vault.case_info`` costs one transaction per case (10,000 cases: 30 s on PostgreSQL
    here), so the export reads the two tables it needs directly, on a read-only snapshot.
    """
    found: dict[str, _Descriptor] = {}
    with db.reader(vault.engine).connect() as conn:
        for chunk in _chunks(sorted(ids), 500):
            recipients: dict[str, list[str]] = {c: [] for c in chunk}
            for case_id, rid in conn.execute(
                select(CaseRecipient.case_id, CaseRecipient.recipient)
                .where(CaseRecipient.case_id.in_(chunk))
                .order_by(CaseRecipient.case_id, CaseRecipient.recipient)
            ):
                recipients[case_id].append(rid)
            for case_id, day, reply in conn.execute(
                select(Case.id, Case.received_day, Case.reply_public).where(Case.id.in_(chunk))
            ):
                found[case_id] = _Descriptor(
                    day.isoformat(), recipients[case_id], b64u_encode(reply)
                )
    if missing := ids - set(found):
        raise BundleContentError(f"{len(missing)} journal case(s) vanished during the export")
    return found


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _same_key(directory: Directory, server_key: Ed25519PrivateKey) -> bool:
    """Laptops trust only the directory's server key: exporting under another is useless."""
    named = directory.server_key
    return named is not None and raw_public(named) == raw_public(server_key.public_key())


def _add_entry(w: ExportWriter, vault: Vault, e: Entry) -> None:
    """One journal entry as bundle items (BUNDLE.md §2.1 order)."""
    if e.kind in RECORD_KINDS:
        if e.record is None:
            raise BundleContentError(f"journal item {e.seq} has no signed record")
        w.add_record(e.kind, e.case_id, e.seq, e.record)
    blobs = [(e.kind, e.blob)] if e.blob is not None else []
    blobs += [("evidence", ref) for ref in e.evidence]
    for n, (type_, ref) in enumerate(blobs):
        with vault.blobs.open(ref.sha256) as src:
            w.add_envelope(e.case_id, type_, e.seq, src, ref.size, ref.sha256)
        if n == 0 and e.kind in MESSAGE_KINDS and e.record is not None:
            w.add_record("followup", e.case_id, e.seq, e.record)  # the reporter's signature


def export_bundle(
    vault: Vault,
    server_key: Ed25519PrivateKey,
    out_path: Path | str,
    *,
    since: int | None = None,
    directory: Directory | None = None,
) -> ExportSummary:
    """Write every journal item after the acknowledged cursor to ``out_path``, signed.

    ``since`` overrides the cursor; by default it is :func:`default_since` over ``directory``
    (loaded from ``vault.home`` when not given and present there; 0 otherwise). The file
    appears under ``out_path`` only when complete; on any error nothing is left and the
    error is a BundleError (BundleWriteError for a full disk) or a VaultError.
    """
    if since is None:
        if directory is None and (vault.home / "org" / "directory.json").exists():
            directory = load_directory(vault.home)
        since = default_since(vault, directory)
    if directory is not None and not _same_key(directory, server_key):
        raise BundleSetupError("the server signing key is not the one the directory names")
    until = vault.last_seq()
    with ExportWriter(out_path, server_key, seq_from=since) as w:
        for page in _journal(vault, since, until):
            new = {e.case_id for e in page if not w.has_case(e.case_id)}
            cases = _descriptors(vault, new) if new else {}
            for entry in page:
                if not w.has_case(entry.case_id):
                    d = cases[entry.case_id]
                    w.add_case(entry.case_id, d.received, d.recipients, d.reply_key)
                _add_entry(w, vault, entry)
        manifest = w.finish(max(until, since))
        return ExportSummary(
            Path(out_path),
            manifest.bundle_id,
            manifest.seq_from,
            manifest.seq_to,
            w.cases,
            w.count,
            w.size,
        )


# -- import ----------------------------------------------------------------------------------


@dataclass
class _Op:
    kind: str  # "status" | "reply" | "track"
    case: str
    record: bytes
    key: str  # crypto.records.order_key as "at|id"
    envelope: Item | None = None


def _check_reply_address(item: Item, info: CaseInfo, directory: Directory) -> None:
    """Rule 19: sealed to the case's reply key, and otherwise only to the case's reviewers."""
    with item.open() as f:
        head = f.read(MAX_HEADER_LEN)
    reporter = key_id(X25519PublicKey.from_public_bytes(info.reply_public))
    allowed = {reporter} | {
        key_id(r.keys.encryption) for r in directory.reviewers if r.id in info.recipients
    }
    named = envelope_recipient_ids(head)
    if reporter not in named or not set(named) <= allowed:
        raise BundleContentError(f"item {item.n}: reply not sealed to the reporter's reply key")


def _plan(
    vault: Vault, bundle: VerifiedBundle, directory: Directory
) -> tuple[list[_Op], dict[str, CaseInfo]]:
    """Check the verified outbox against the database, without writing anything."""
    infos: dict[str, CaseInfo] = {}
    ops: list[_Op] = []
    latest = dt.datetime.now(dt.UTC) + MAX_CLOCK_SKEW
    if bundle.manifest.ack > vault.last_seq():
        raise BundleContentError("outbox acknowledges exports this server never made")
    items = list(bundle.items())  # small objects: envelopes stay in their staging files
    infos.update(vault.case_infos(sorted({i.case for i in items})))  # one read for all cases
    for item in items:
        info = infos.get(item.case)
        if info is None:
            raise BundleContentError(f"item {item.n}: unknown case")
        if bundle.signer not in info.recipients:
            raise BundleContentError(f"item {item.n}: the reviewer is not a recipient of the case")
        if item.kind == "reply_envelope":
            _check_reply_address(item, info, directory)
            ops[-1].envelope = item
        else:
            record = item.read_bytes()
            if item.kind == "link":
                _check_link_target(vault, item, record, bundle.signer)
            ops.append(_Op(item.kind, item.case, record, _check_not_future(item, record, latest)))
    return ops, infos


def _check_link_target(vault: Vault, item: Item, record: bytes, signer: str) -> None:
    """A link (crypto/SPEC.md §15) may name only a case this server holds and the signing
    reviewer was given: nobody can show a reporter the history of a case they cannot read."""
    other = signed.body_of(record)["other"]
    info = vault.case_infos([other]).get(other)
    if info is None or signer not in info.recipients:
        raise BundleContentError(f"item {item.n}: link to a case unknown here or not yours")


def _check_not_future(item: Item, record: bytes, latest: dt.datetime) -> str:
    """Rule 21: a record dated after the server's clock (plus skew) would pin the order.

    Returns the record's order key (``"at|id"``), parsed from the same body.
    """
    body = signed.body_of(record)
    at = dt.datetime.fromisoformat(body["at"])
    if at.tzinfo is None or at > latest:
        raise BundleContentError(f"item {item.n}: record dated in the future (laptop clock?)")
    return "|".join(order_key(body))


def _key(record: bytes) -> str:
    at, rid = order_key(signed.body_of(record))
    return f"{at}|{rid}"


def import_outbox(vault: Vault, directory: Directory, path: Path | str) -> ImportSummary:
    """Verify an outbox and apply it in one transaction (BUNDLE.md §4).

    Raises a BundleError subclass (the database and blob store untouched) if any check
    fails; a bundle imported before is reported ``already_imported`` and changes nothing.
    """
    if directory.server_key is None:
        raise BundleSetupError("the directory names no server key")
    stage = vault.home / "tmp"
    stage.mkdir(mode=0o700, parents=True, exist_ok=True)
    _sweep_stale_staging(stage)
    with read_outbox(path, directory, directory.server_key, staging_dir=stage) as bundle:
        ops, infos = _plan(vault, bundle, directory)
        try:
            return _apply(vault, bundle, ops, infos)
        except DiskFullError as exc:
            raise BundleWriteError("disk full while importing") from exc
        except OperationalError as exc:
            if "full" in str(exc.orig).lower():
                raise BundleWriteError("disk full while importing") from exc
            raise
        except IntegrityError as exc:  # the same bundle applied by a concurrent import
            raise BundleContentError("imported concurrently; run the import again") from exc
        except VaultError as exc:
            raise BundleContentError(f"the vault refused the outbox: {exc}") from exc


def _sweep_stale_staging(stage: Path, max_age: float = 24 * 3600) -> None:
    """Remove staging directories a crashed import left behind (ciphertext and records)."""
    now = time.time()
    for old in stage.glob("bisik-stage-*"):
        with contextlib.suppress(OSError):
            if now - old.stat().st_mtime > max_age:
                shutil.rmtree(old, ignore_errors=True)


def _apply(
    vault: Vault, bundle: VerifiedBundle, ops: list[_Op], infos: dict[str, CaseInfo]
) -> ImportSummary:
    m, reviewer = bundle.manifest, bundle.signer
    counts = {"status": 0, "reply": 0, "link": 0, "track": 0, "dup": 0}
    current = {c: _key(i.status_record) for c, i in infos.items() if i.status_record}
    new_keys: list[tuple[str, str]] = []
    with vault.batch() as tx:
        if not tx.mark_bundle(bytes.fromhex(m.bundle_id)):
            return ImportSummary(m.bundle_id, reviewer, 0, 0, 0, 0, m.ack, True)
        # Crash-safe order (LocalBlobStore.put_files): every reply envelope's bytes are
        # fsynced, then all are renamed into the blob store, then each directory touched is
        # fsynced once; only then does add_records write rows naming them, and the
        # transaction commits after that. So the database never points at a blob that is
        # not durable. If anything fails from here on, the transaction rolls back and the
        # moved blobs are unreferenced ciphertext that the retention orphan sweep removes.
        refs = iter(_store_envelopes(vault, ops))
        outbound = [
            Outbound(
                op.kind, op.case, op.record, next(refs) if op.kind == "reply" else None, op.key
            )
            for op in ops
        ]
        fresh = tx.add_records(outbound)
        for op, new in zip(ops, fresh, strict=True):
            counts[op.kind if new else "dup"] += 1
            if new and op.kind == "status":
                new_keys.append((op.case, op.key))
                current[op.case] = max(current.get(op.case, ""), op.key)
        tx.set_cursor(ack_cursor(reviewer), m.ack)
    superseded = sum(1 for case, key in new_keys if key < current[case])
    return ImportSummary(
        m.bundle_id,
        reviewer,
        counts["status"],
        counts["reply"],
        counts["dup"],
        superseded,
        m.ack,
        False,
        counts["track"],
    )


def _store_envelopes(vault: Vault, ops: list[_Op]) -> list[BlobRef]:
    """Move the staged reply envelopes into the blob store (same filesystem: renames)."""
    paths: list[Path] = []
    for op in ops:
        if op.kind != "reply":
            continue
        if op.envelope is None or op.envelope.path is None:  # the reader guarantees both
            raise BundleContentError("reply without its envelope")
        paths.append(op.envelope.path)
    try:
        return vault.blobs.put_files(paths)
    except OSError as exc:
        raise BundleWriteError(f"cannot store a reply envelope: {exc.strerror}") from exc


__all__ = [
    "ExportSummary",
    "ImportSummary",
    "export_bundle",
    "import_outbox",
    "load_directory",
    "load_server_key",
]
