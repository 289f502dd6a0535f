"""The return bundle: signed statuses, replies and tracking steps queued in the store, plus
the acknowledgement.

``write`` puts every queued item not yet written (or, with ``resend``, every item the server
has not yet echoed back in an export) into one outbox bundle via ``vault.bundle.OutboxWriter``
and records in the store that they were written. The acknowledgement is the ``seq_to`` of the
newest export imported, so the server knows what this laptop already holds. If writing fails,
the bundle file does not appear and the queue is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crypto.directory import Directory
from crypto.encoding import b64u_decode

from .bundles import outbox_writer
from .i18n import t
from .identity import Identity
from .store import CaseStore


@dataclass(frozen=True)
class OutboxSummary:
    """What an outbox run wrote, for the command's report (counts only)."""

    path: Path
    statuses: int
    replies: int
    ack: int
    links: int = 0
    steps: int = 0  # tracking steps (SPEC §16)

    def done_text(self) -> str:
        """The one sentence the CLI prints and the app shows after writing."""
        return t(
            "outbox.done",
            path=str(self.path),
            statuses=self.statuses,
            replies=self.replies,
            steps=self.steps,
            ack=self.ack,
        )


def write(
    store: CaseStore, ident: Identity, directory: Directory, path: Path, *, resend: bool = False
) -> OutboxSummary:
    """Write the outbox bundle to ``path`` (atomically) and mark its items as written."""
    pending = store.meta.get("pending", [])
    chosen = [p for p in pending if resend or not p.get("sent")]
    ack = int(store.meta.get("ack", 0))
    with outbox_writer(path, ident.keys.signing, directory, ack) as out:
        for item in chosen:
            if item["kind"] == "status":
                out.add_status(item["record"].encode())
            elif item["kind"] == "track":
                out.add_track(item["record"].encode())
            elif item["kind"] == "link":  # crypto/SPEC.md §15
                out.add_link(item["record"].encode())
            else:
                out.add_reply(item["record"].encode(), b64u_decode(item["envelope"]))
    chosen_ids = {p["id"] for p in chosen}
    with store.transaction() as tx:
        tx.meta["pending"] = [
            {**p, "sent": p.get("sent", 0) + (p["id"] in chosen_ids)} for p in pending
        ]
    statuses = sum(1 for p in chosen if p["kind"] == "status")
    replies = sum(1 for p in chosen if p["kind"] == "reply")
    steps = sum(1 for p in chosen if p["kind"] == "track")
    return OutboxSummary(
        path, statuses, replies, ack, len(chosen) - statuses - replies - steps, steps
    )
