"""``followup-*``: follow-ups proven by the receipt (SPEC §12)."""

from __future__ import annotations

import json
from typing import Any

from crypto import (
    followup,
    receipt,
    signed,
)
from crypto.encoding import b64u_encode, canonical_json
from crypto.errors import FormatError, SignatureError
from scripts.vectors.common import Vector, det, pub_hex, require, sha256_hex
from scripts.vectors.receipt import receipt_code, symbols

FOLLOWUP_CASE = "k3v9q2m7xw4p8d6f"


def vectors() -> dict[str, Vector]:
    """Follow-up items a server must accept or refuse, signed with the receipt-derived key."""
    vs: dict[str, Vector] = {}
    code = receipt_code()
    key = receipt.derive(code).followup_key
    other = receipt.derive(receipt.generate(_random=symbols(det("other receipt", 18))))
    msg_sha, ev = (
        sha256_hex(b"message envelope"),
        [sha256_hex(b"evidence 1"), sha256_hex(b"evidence 2")],
    )
    item = {"case": FOLLOWUP_CASE, "type": "message", "envelope_sha256": msg_sha, "evidence": ev}

    def v(
        name: str,
        comment: str,
        data: bytes,
        error: str | None,
        check: dict[str, Any],
        signer_code: str = code,
    ) -> None:
        rec: Vector = {
            "comment": comment,
            "type": "followup",
            "receipt": signer_code,
            "followup_public": pub_hex(key.public_key()),
            "item": check,
            "object": data.decode(),
        }
        try:
            body = followup.verify(
                data,
                key.public_key(),
                check["case"],
                check["type"],
                check["envelope_sha256"],
                check["evidence"],
            )
        except (SignatureError, FormatError) as exc:
            require(error == type(exc).__name__, f"{name}: {type(exc).__name__}, not {error}")
            rec.update(expect="error", error=error)
        else:
            require(error is None, f"{name} was accepted")
            rec.update(expect="success", body=body)
        vs[f"followup-{name}"] = rec

    def raw(body: dict[str, Any], kind: str = followup.KIND, by: Any = key) -> bytes:
        return signed.sign(by, kind, body).to_bytes()  # any body, validly signed

    good = followup.sign(key, **_args(item))
    v(
        "ok-message-with-evidence",
        "A message with two evidence envelopes, signed by the "
        "follow-up key of the receipt (derive it from `receipt` and sign `item`: byte for byte "
        "this object).",
        good,
        None,
        item,
    )
    ret = {**item, "type": "retaliation", "evidence": []}
    v(
        "ok-retaliation-no-evidence",
        "A retaliation report without evidence.",
        followup.sign(key, **_args(ret)),
        None,
        ret,
    )
    v(
        "reject-other-receipt",
        "Signed by the follow-up key of another receipt (the server's "
        "forgery): the signer is not the key the report published.",
        followup.sign(other.followup_key, **_args(item)),
        "SignatureError",
        item,
        signer_code=receipt.display(
            receipt.normalize(receipt.generate(_random=symbols(det("other receipt", 18))))
        ),
    )
    v(
        "reject-other-case",
        "A genuine signature replayed on an item of another case.",
        good,
        "SignatureError",
        {**item, "case": "other0case0id000"},
    )
    v(
        "reject-other-envelope",
        "A genuine signature on another envelope (content swapped).",
        good,
        "SignatureError",
        {**item, "envelope_sha256": sha256_hex(b"forged")},
    )
    v(
        "reject-other-type",
        "A message's signature presented for a retaliation report.",
        good,
        "SignatureError",
        {**item, "type": "retaliation"},
    )
    v(
        "reject-other-evidence",
        "The message re-sent with one attachment dropped.",
        good,
        "SignatureError",
        {**item, "evidence": ev[:1]},
    )
    v(
        "reject-kind-status",
        "The same body signed as a 'status' object: the kind is signed.",
        raw(followup.body(**_args(item)), kind="status"),
        "SignatureError",
        item,
    )
    obj = json.loads(good)
    tampered = dict(json.loads(signed.parse(good).body), envelope_sha256=sha256_hex(b"x"))
    v(
        "reject-tampered-body",
        "The body's envelope hash changed, the signature kept (checked for the new hash).",
        json.dumps(
            {**obj, "body": b64u_encode(canonical_json(tampered))},
            sort_keys=True,
            separators=(",", ":"),
        ).encode(),
        "SignatureError",
        {**item, "envelope_sha256": sha256_hex(b"x")},
    )
    v(
        "reject-extra-member",
        "A validly signed body with a member SPEC §12.2 does not list.",
        raw({**followup.body(**_args(item)), "at": "2026-11-20T08:30:00+00:00"}),
        "FormatError",
        item,
    )
    v(
        "reject-evidence-twice",
        "A validly signed body listing one evidence envelope twice.",
        raw({**followup.body(**_args(item)), "evidence": [ev[0], ev[0]]}),
        "FormatError",
        {**item, "evidence": [ev[0], ev[0]]},
    )
    v(
        "reject-uppercase-hash",
        "A validly signed body whose envelope hash is upper-case hex.",
        raw({**followup.body(**_args(item)), "envelope_sha256": msg_sha.upper()}),
        "FormatError",
        {**item, "envelope_sha256": msg_sha.upper()},
    )
    v(
        "reject-version-2",
        "A validly signed body of another version.",
        raw({**followup.body(**_args(item)), "v": 2}),
        "FormatError",
        item,
    )
    return vs


def _args(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "case": item["case"],
        "type_": item["type"],
        "envelope_sha256": item["envelope_sha256"],
        "evidence": item["evidence"],
    }
