"""What the vault hands out and takes in: a case's metadata, its journal entries and history,
and an outbound record to store (:mod:`vault.store` reads and writes them).

Nothing here identifies a reporter: opaque case ids, reply and follow-up public keys, the UTC
day of arrival, recipient ids, blob addresses and signed records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .blobstore import BlobRef

MESSAGE_KINDS = frozenset({"message", "retaliation", "consent"})  # consent: SPEC §14
OrderKey = str | tuple[str, str] | None


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
