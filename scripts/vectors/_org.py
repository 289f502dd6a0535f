"""The organisation the signed-object, directory and proof families share: root, server and
reviewer keys, the directory's reviewers and the day the directory is checked on.
"""

from __future__ import annotations

import datetime as dt

from crypto import (
    records,
)
from crypto.directory import Reviewer
from crypto.keys import PublicKeys
from scripts.vectors.common import Vector, det, ed_key, pub_hex, x_key

ROOT_KEY = ed_key("org root")
OTHER_ROOT = ed_key("other root")
SERVER = ed_key("server")
TODAY = dt.date(2026, 11, 29)


def _reviewer(rid: str, name: str, role: str, until: dt.date = dt.date(2027, 12, 31)) -> Reviewer:
    return Reviewer(
        rid,
        name,
        role,
        PublicKeys(x_key(rid).public_key(), ed_key(rid).public_key()),
        dt.date(2026, 1, 1),
        until,
    )


REVIEWERS = [
    _reviewer("alice", "Alice Lestari", "lead"),
    _reviewer("budi", "Budi Santoso", "reviewer"),
    _reviewer("citra", "Citra Dewi", "reviewer"),
    _reviewer("dedi", "Dedi Kurniawan", "reviewer", until=dt.date(2026, 10, 31)),
]


def status_record(who: str, state: str = "in_review") -> bytes:
    return records.status(
        ed_key(who),
        "BSK-0001",
        state,
        at="2026-11-20T08:30:00+00:00",
        _id=det(f"record id {who}", 16).hex(),
    )


def record_vector(comment: str, directory: bytes, record: bytes, kind: str) -> Vector:
    """The start of a ``directory`` vector whose ``record`` (of ``kind``) is checked against
    ``directory`` under :data:`ROOT_KEY` on :data:`TODAY`; the caller adds the outcome."""
    return {
        "comment": comment,
        "type": "directory",
        "root_public": pub_hex(ROOT_KEY.public_key()),
        "today": TODAY.isoformat(),
        "directory": directory.decode(),
        "record": record.decode(),
        "record_kind": kind,
    }
