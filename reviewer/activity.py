"""Late activity: what the reporter sent after the case was closed, computed, never stored.

A reporter may come back after the reviewers closed a case — a retaliation report months
after the election (mutasi, non-job, a delayed promotion), new evidence, a message, a change
of consent. Such an item must not wait unseen in a closed case, and it must not vanish with
the case at retention time.

**Flag, not re-open.** The case's status is a signed reviewer record (SPEC §7); this laptop
must not sign one on a reporter's behalf, and a status invented here would not converge on
colleagues' laptops. So late activity is *computed* from what every laptop already has — the
day and order of the reporter's items and of the signed records — and shown as the flag
``late_activity`` (``list --flagged``) with a fresh acknowledgement deadline (``due``). A
reviewer answers it the usual way: a reply, or a status (``in_review`` re-opens the case;
another ``closed_*`` closes it again with the new item considered).

The rules, over the case's records and its reporter items (messages, retaliation reports,
consent changes) that were not refused as forged:

* the case is *closed* when its newest status record is a ``closed_*`` state;
* an item is *late* when the case is closed and either the item was written after that
  closing record (the item's own time, inside its sealed document), or it reached this laptop
  when the closing record was already the newest status here (the importer notes that, so a
  reporter's phone whose clock is behind cannot hide an item; it then counts from the
  closure's time);
* a late item is *answered* once a signed reply or status is dated after it (the same second
  is not after: records and items carry whole seconds, and the safe reading is "not seen");
  the acknowledgement deadline is re-armed from the day of the first unanswered late item.

Leaks: nothing; pure functions over data already decrypted on this laptop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from crypto.records import STATES

if TYPE_CHECKING:
    from .case import Message, Record

__all__ = ["FLAG", "REPORTER_TYPES", "late_items", "unanswered_since"]

FLAG = "late_activity"
REPORTER_TYPES = frozenset({"message", "retaliation", "consent"})
_CLOSED = frozenset(s for s in STATES if s.startswith("closed_"))
_ANSWERS = frozenset({"status", "reply"})  # what answers the reporter (a link does not)


def _when(text: str) -> dt.datetime | None:
    """The UTC time of an ISO timestamp with a zone, or None (absent, naive or malformed)."""
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return when.astimezone(dt.UTC) if when.tzinfo else None


def _closing(records: Sequence[Record]) -> Record | None:
    """The record that closed the case: the newest status, if it is a ``closed_*`` state."""
    statuses = [r for r in records if r.kind == "status"]
    if not statuses or statuses[-1].state not in _CLOSED:
        return None
    return statuses[-1]


def late_items(
    records: Sequence[Record], messages: Sequence[Message]
) -> list[tuple[dt.datetime, Message]]:
    """(time, item) of the reporter's items written after the case was closed, oldest first.

    ``records`` in the agreed order (``crypto.records.order_key``), as :class:`Case` keeps
    them. Empty while the case is open. Items refused as forged are never counted.
    """
    closing = _closing(records)
    if closing is None:
        return []
    closed, out = closing.when, []
    for msg in messages:
        if msg.type not in REPORTER_TYPES or msg.proof == "forged" or not msg.readable:
            continue
        when = _when(msg.at)
        if msg.after_status == closing.id:  # arrived once the closure was known here: late,
            out.append((max(when or closed, closed), msg))  # whatever the sender's clock says
        elif when is not None and when >= closed:  # same second: the closer cannot have seen it
            out.append((when, msg))
    return sorted(out, key=lambda pair: pair[0])


def unanswered_since(records: Sequence[Record], messages: Sequence[Message]) -> dt.date | None:
    """The UTC day of the first late item no signed record answered yet, or None.

    The acknowledgement deadline for late activity runs from this day.
    """
    last_record = max((r.when for r in records if r.kind in _ANSWERS), default=None)
    for when, _msg in late_items(records, messages):
        if last_record is None or when >= last_record:  # same second: not seen, not answered
            return when.date()
    return None
