"""``directory-*`` and ``directory-record-*``: the signed reviewer directory and records checked
against it (SPEC §6, §7).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from crypto import (
    records,
    signed,
)
from crypto.directory import sign_directory
from crypto.encoding import b64u_encode
from crypto.keys import key_id, raw_public
from scripts.vectors._org import OTHER_ROOT, REVIEWERS, ROOT_KEY, SERVER, TODAY, status_record
from scripts.vectors.common import CITRA, Vector, det, ed_key, pub_hex


def vectors() -> dict[str, Vector]:
    """Directories and records checked against them, valid or breaking one rule each."""
    vs: dict[str, Vector] = {}
    expires = dt.date(2027, 6, 30)
    plain = sign_directory(ROOT_KEY, "Bisik Demo", 7, expires, REVIEWERS, SERVER.public_key())
    revoked = sign_directory(
        ROOT_KEY,
        "Bisik Demo",
        8,
        expires,
        REVIEWERS,
        SERVER.public_key(),
        [key_id(ed_key("citra").public_key()).hex()],
    )
    root_hex = pub_hex(ROOT_KEY.public_key())

    def v(
        name: str,
        comment: str,
        data: bytes,
        *,
        root: str = root_hex,
        today: dt.date = TODAY,
        record: bytes | None = None,
        error: str | None = None,
        min_serial: int | None = None,
    ) -> None:
        rec: Vector = {
            "comment": comment,
            "type": "directory",
            "root_public": root,
            "today": today.isoformat(),
            "directory": data.decode(),
        }
        if min_serial is not None:
            rec["min_serial"] = min_serial
        if record is not None:
            rec.update(record=record.decode(), record_kind="status")
        if error:
            rec.update(expect="error", error=error)
        else:
            rec["expect"] = "success"
            rec.update(_directory_outcome(data, today, record))
        vs[f"directory-{name}"] = rec

    v(
        "ok",
        "A directory signed by the pinned root: four reviewers, dedi's validity ended on "
        "2026-10-31, so three are active and receive envelopes.",
        plain,
    )
    v(
        "ok-revoked-reviewer",
        "Serial 8 revokes citra's signing key: she is no longer active and no longer a recipient.",
        revoked,
    )
    v(
        "reject-expired",
        "Checked on 2027-07-01, a day after it expired.",
        plain,
        today=dt.date(2027, 7, 1),
        error="SignatureError",
    )
    v(
        "reject-wrong-root",
        "Checked against a different pinned root key.",
        plain,
        root=pub_hex(OTHER_ROOT.public_key()),
        error="SignatureError",
    )
    body = json.loads(signed.parse(plain).body)
    body["org"]["root"] = b64u_encode(raw_public(OTHER_ROOT.public_key()))
    named_other = signed.sign(ROOT_KEY, "directory", body).to_bytes()
    v(
        "reject-names-other-root",
        "Signed by the pinned root, but the body names another root.",
        named_other,
        error="SignatureError",
    )
    v(
        "reject-rollback",
        "Serial 7 offered to a verifier that has already seen serial 8 (a "
        "rollback that would undo citra's revocation).",
        plain,
        min_serial=8,
        error="SignatureError",
    )
    v(
        "reject-tampered",
        "A reviewer's X25519 key replaced after signing.",
        _swap_alice_key(plain),
        error="SignatureError",
    )
    v(
        "record-ok",
        "A status record signed by budi, an active reviewer.",
        plain,
        record=status_record("budi"),
    )
    v(
        "record-reject-revoked-reviewer",
        "A status record signed by citra, checked against the directory that revokes her.",
        revoked,
        record=status_record("citra"),
        error="SignatureError",
    )
    v(
        "record-reject-validity-ended",
        "A status record signed by dedi, whose validity ended.",
        plain,
        record=status_record("dedi"),
        error="SignatureError",
    )
    naive = records.status(
        ed_key("budi"),
        "BSK-0001",
        "in_review",
        at="2026-11-20T08:30:00",
        _id=det("record id naive", 16).hex(),
    )
    v(
        "record-reject-time-without-zone",
        "A status record whose time has no zone: records are "
        "ordered in UTC, so a zoneless time is malformed.",
        plain,
        record=naive,
        error="FormatError",
    )
    v(
        "record-reject-unknown-signer",
        "A status record signed by a key not in the directory.",
        plain,
        record=status_record("stranger"),
        error="SignatureError",
    )
    _n6_record_vectors(v, plain)
    return vs


def _n6_record(
    at: str, label: str, state: str = "in_review", authority: Any = None, _id: str | None = None
) -> bytes:
    return records.status(
        ed_key("budi"),
        "BSK-0001",
        state,
        authority=authority,
        at=at,
        _id=_id or det(f"record id {label}", 16).hex(),
    )


def _n6_record_vectors(v: Callable[..., None], plain: bytes) -> None:
    """Audit N6: the browser must accept and refuse the same records as Python."""
    v(
        "record-ok-fractional-time",
        "A status record whose time has microseconds, as "
        "isoformat() writes them: Python accepts it, so the browser must (N6).",
        plain,
        record=_n6_record("2026-11-20T08:30:00.123456+00:00", "fraction"),
    )
    v(
        "record-ok-basic-format-time",
        "A status record whose time is in ISO 8601 basic format "
        "with a +0700 zone, which fromisoformat() accepts (N6).",
        plain,
        record=_n6_record("20261120T153000+0700", "basic"),
    )
    v(
        "record-reject-id-not-hex32",
        "A status record whose id is 32 uppercase hex digits: "
        "ids are lowercase, ties in time sort by them (N6).",
        plain,
        record=_n6_record(
            "2026-11-20T08:30:00+00:00", "upper", _id=det("record id upper", 16).hex().upper()
        ),
        error="FormatError",
    )
    v(
        "record-reject-authority-not-text",
        "An escalation whose authority is a list, not text (SPEC §7: S|null) (N6).",
        plain,
        record=_n6_record("2026-11-20T08:30:00+00:00", "authority", "escalated", ["BKN"]),
        error="FormatError",
    )


def _swap_alice_key(data: bytes) -> bytes:
    obj = json.loads(data)
    body = json.loads(signed.parse(data).body)
    body["reviewers"][0]["x25519"] = b64u_encode(raw_public(CITRA.public_key()))
    obj["body"] = b64u_encode(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def _directory_outcome(data: bytes, today: dt.date, record: bytes | None) -> dict[str, Any]:
    from crypto.directory import verify_directory

    d = verify_directory(data, ROOT_KEY.public_key(), today)
    if record is not None:
        body, reviewer = records.verify(record, d, "status")
        return {"record_body": body, "record_signer": reviewer.id}
    return {
        "org_name": d.org_name,
        "serial": d.serial,
        "expires": d.expires.isoformat(),
        "server_key": pub_hex(d.server_key) if d.server_key else None,
        "active_reviewers": [r.id for r in d.active_reviewers()],
        "recipients": [pub_hex(k) for k in d.recipients()],
        "fingerprints": {r.id: r.keys.fingerprint for r in d.reviewers},
    }
