"""``link-*``: the reviewers' links between cases (SPEC §15)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crypto import (
    records,
    signed,
)
from crypto.directory import sign_directory
from scripts.vectors._org import REVIEWERS, ROOT_KEY, SERVER, TODAY, record_vector
from scripts.vectors.common import Vector, det, ed_key


def vectors() -> dict[str, Vector]:
    """Link records checked against the directory (as ``directory-record-*``, kind ``link``):
    each reject breaks exactly one rule of SPEC §15.2."""
    from crypto.directory import verify_directory

    vs: dict[str, Vector] = {}
    plain = sign_directory(
        ROOT_KEY, "Bisik Demo", 7, dt.date(2027, 6, 30), REVIEWERS, SERVER.public_key()
    )
    d = verify_directory(plain, ROOT_KEY.public_key(), TODAY)
    good = {
        "v": 1,
        "case": "BSK-0002",
        "other": "BSK-0001",
        "linked": True,
        "share": True,
        "at": "2026-11-25T10:00:00+00:00",
        "id": det("link id", 16).hex(),
    }

    def v(
        name: str,
        comment: str,
        body: dict[str, Any],
        error: str | None = None,
        signer: str = "budi",
    ) -> None:
        record = signed.sign(ed_key(signer), "link", body).to_bytes()
        rec = record_vector(comment, plain, record, "link")
        if error:
            rec.update(expect="error", error=error)
        else:
            got, reviewer = records.verify(record, d, "link")
            rec.update(expect="success", record_body=got, record_signer=reviewer.id)
        vs[f"link-{name}"] = rec

    v(
        "ok-shared",
        "budi links case BSK-0002 to the reporter's old case BSK-0001 and shares "
        "its coarse history with the new receipt.",
        good,
    )
    v(
        "ok-unlink",
        "An unlink: linked false, share false.",
        {**good, "linked": False, "share": False},
    )
    v("reject-self", "A case linked to itself.", {**good, "other": "BSK-0002"}, "FormatError")
    v(
        "reject-share-without-link",
        "share true on an unlink.",
        {**good, "linked": False},
        "FormatError",
    )
    v("reject-linked-not-boolean", "linked given as 1.", {**good, "linked": 1}, "FormatError")
    v(
        "reject-missing-share",
        "The share member is absent.",
        {k: x for k, x in good.items() if k != "share"},
        "FormatError",
    )
    v(
        "reject-extra-member",
        "A member the format does not have (note).",
        {**good, "note": "sama orangnya"},
        "FormatError",
    )
    v(
        "reject-bad-other",
        "An old case id with a character outside [A-Za-z0-9_-].",
        {**good, "other": "BSK 0001"},
        "FormatError",
    )
    v(
        "reject-time-without-zone",
        "A time without a zone (SPEC §7).",
        {**good, "at": "2026-11-25T10:00:00"},
        "FormatError",
    )
    v(
        "reject-revoked-signer",
        "Signed by dedi, whose validity ended.",
        good,
        "SignatureError",
        signer="dedi",
    )
    return vs
