"""``link``: a new report's case linked to an old one, as a signed record (SPEC §15).

A reporter who lost the receipt reports again; a reviewer who recognises the old case links
the new one to it. The record is signed with the reviewer's key, added to the new case (so
``show`` lists it at once) and queued for the outbox like a status; the server stores it and
exports it, and every colleague's laptop converges on the same links on import. ``share``
lets the new receipt's follow-up page show the old case's coarse history (received day and
verified statuses; never notes, replies or content); ``unlink`` ends a link.

Leaks: the server learns that the reviewers believe two cases are the same reporter's.
"""

from __future__ import annotations

from typing import Any

from crypto import links as clinks
from crypto import records as crecords
from crypto.directory import Directory
from crypto.errors import FormatError

from .actions import _readable, _save, next_at
from .case import add_record
from .errors import UsageError
from .home import Config
from .identity import Identity
from .store import CaseStore


def link(
    store: CaseStore,
    ident: Identity,
    config: Config,
    directory: Directory,
    new: str,
    old: str,
    *,
    share: bool = False,
    unlink: bool = False,
) -> dict[str, Any]:
    """Sign, record and queue a link from case ``new`` to case ``old``; returns its body.

    Both cases must be in this store and ``new`` readable here; UsageError otherwise, or for
    ``--share`` with ``--unlink`` or a case linked to itself.
    """
    if share and unlink:
        raise UsageError("err.link_share_unlink")
    case = store.load_case(new)
    other = store.load_case(old)  # an unknown id stops here with the store's own error
    _readable(case)
    try:
        raw = clinks.sign(
            ident.keys.signing,
            case["id"],
            other["id"],
            linked=not unlink,
            share=share,
            at=next_at(case),
        )
    except FormatError as exc:
        raise UsageError("err.link_self") from exc
    body, reviewer = crecords.verify(raw, directory, clinks.KIND)
    add_record(case, clinks.KIND, raw.decode(), body, reviewer.id)
    _save(
        store,
        case,
        config,
        {
            "id": body["id"],
            "kind": clinks.KIND,
            "case": case["id"],
            "record": raw.decode(),
            "sent": 0,
        },
    )
    return body
