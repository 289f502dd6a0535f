"""``track-*``: signed tracking steps along the authority chain (SPEC §16)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
)

from crypto import (
    records,
    signed,
    tracking,
)
from crypto.directory import sign_directory, verify_directory
from crypto.encoding import b64u_encode, canonical_json
from crypto.errors import FormatError, SignatureError
from scripts.vectors._org import REVIEWERS, ROOT_KEY, SERVER, TODAY, record_vector
from scripts.vectors.common import Vector, det, ed_key, require

TRACK_AT = "2026-11-20T08:30:00+00:00"


def _track_body(**changes: Any) -> dict[str, Any]:
    body = {
        "v": 1,
        "case": "BSK-0001",
        "authority": "bawaslu",
        "stage": "acknowledged",
        "day": "2026-11-18",
        "reference": "123/PM.01/K.JT/11/2026",
        "level": None,
        "at": TRACK_AT,
        "id": det("track id", 16).hex(),
    }
    return {**body, **changes}


def vectors() -> dict[str, Vector]:
    """Tracking records checked against the directory, in Python and in the browser."""
    vs: dict[str, Vector] = {}
    plain = sign_directory(
        ROOT_KEY, "Bisik Demo", 7, dt.date(2027, 6, 30), REVIEWERS, SERVER.public_key()
    )
    budi = ed_key("budi")

    def v(name: str, comment: str, record: bytes, error: str | None = None) -> None:
        rec = record_vector(comment, plain, record, tracking.KIND)
        try:
            directory = verify_directory(plain, ROOT_KEY.public_key(), TODAY)
            body, who = records.verify(record, directory, tracking.KIND)
        except (SignatureError, FormatError) as exc:
            require(error == type(exc).__name__, f"track-{name}: {type(exc).__name__}")
            rec.update(expect="error", error=error)
        else:
            require(error is None, f"track-{name} was accepted")
            rec.update(expect="success", record_body=body, record_signer=who.id)
        vs[f"track-{name}"] = rec

    def raw(body: dict[str, Any], by: Ed25519PrivateKey = budi, kind: str = "track") -> bytes:
        return signed.sign(by, kind, body).to_bytes()  # any body, validly signed

    good = tracking.step(
        budi,
        "BSK-0001",
        "bawaslu",
        "acknowledged",
        "2026-11-18",
        reference="123/PM.01/K.JT/11/2026",
        at=TRACK_AT,
        _id=det("track id", 16).hex(),
    )
    v(
        "ok-acknowledged-with-reference",
        "Bawaslu acknowledged on 2026-11-18 with its reference number; signed by budi.",
        good,
    )
    v(
        "ok-sanction-with-level",
        "The PPK decided a sanction of level 'sedang', no reference.",
        tracking.step(
            budi,
            "BSK-0001",
            "ppk",
            "sanction",
            "2026-11-20",
            level="sedang",
            at=TRACK_AT,
            _id=det("track id 2", 16).hex(),
        ),
    )
    v(
        "reject-internal-note",
        "A member §16 does not list (an internal note would reach the "
        "server and the reporter's page).",
        raw(_track_body(note="call Pak X")),
        "FormatError",
    )
    v(
        "reject-missing-level",
        "The 'level' member is absent (it is null when there is none).",
        raw({k: x for k, x in _track_body().items() if k != "level"}),
        "FormatError",
    )
    v(
        "reject-day-after-signing",
        "A step dated after the day it was signed.",
        raw(_track_body(day="2026-11-21")),
        "FormatError",
    )
    v("reject-impossible-day", "30 February.", raw(_track_body(day="2026-02-30")), "FormatError")
    v(
        "reject-stage-not-a-code",
        "A stage in capitals with a space.",
        raw(_track_body(stage="Sent Out")),
        "FormatError",
    )
    v(
        "reject-reference-newline",
        "A reference with a line break (not printable ASCII).",
        raw(_track_body(reference="123\nPM")),
        "FormatError",
    )
    v(
        "reject-reference-too-long",
        "A reference of 121 characters.",
        raw(_track_body(reference="A" * 121)),
        "FormatError",
    )
    v(
        "reject-signed-as-status",
        "A valid tracking body signed as a 'status' object: the kind is inside the signature.",
        raw(_track_body(), kind="status"),
        "SignatureError",
    )
    obj = json.loads(good)
    forged = canonical_json(_track_body(stage="sanction", level="berat"))
    v(
        "reject-tampered-stage",
        "The stage changed to a sanction after signing.",
        canonical_json({**obj, "body": b64u_encode(forged)}),
        "SignatureError",
    )
    v(
        "reject-unknown-signer",
        "Signed by a key the directory does not name.",
        raw(_track_body(), by=ed_key("stranger")),
        "SignatureError",
    )
    return vs
