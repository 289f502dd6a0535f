"""``signed-*``: signed objects (SPEC §4): a status record, and each way its signature or
signer can be wrong.
"""

from __future__ import annotations

import json

from crypto import (
    signed,
)
from crypto.encoding import b64u_encode
from crypto.keys import key_id
from scripts.vectors._org import status_record
from scripts.vectors.common import Vector, ed_key, pub_hex


def vectors() -> dict[str, Vector]:
    """Signed objects that verify and ones that must fail, one broken rule each."""
    vs: dict[str, Vector] = {}
    good = status_record("budi")
    budi_pub = pub_hex(ed_key("budi").public_key())
    citra_pub = pub_hex(ed_key("citra").public_key())
    obj = json.loads(good)

    def v(name: str, comment: str, data: bytes, key: str, kind: str, error: str | None) -> None:
        rec: Vector = {
            "comment": comment,
            "type": "signed",
            "public_key": key,
            "kind": kind,
            "object": data.decode(),
        }
        if error:
            rec.update(expect="error", error=error)
        else:
            rec.update(expect="success", body=json.loads(signed.parse(data).body))
        vs[f"signed-{name}"] = rec

    def edit(**changes: str) -> bytes:
        return json.dumps({**obj, **changes}, sort_keys=True, separators=(",", ":")).encode()

    v(
        "ok-status",
        "A status record signed by budi, checked as kind 'status' with his key.",
        good,
        budi_pub,
        "status",
        None,
    )
    v(
        "reject-wrong-kind",
        "The same object checked as a 'directory'.",
        good,
        budi_pub,
        "directory",
        "SignatureError",
    )
    v(
        "reject-kind-relabelled",
        "The container's kind changed to 'reply' and checked as a "
        "reply: the kind is inside the signed message, so the signature fails.",
        edit(kind="reply"),
        budi_pub,
        "reply",
        "SignatureError",
    )
    v(
        "reject-wrong-signer",
        "Checked against citra's key.",
        good,
        citra_pub,
        "status",
        "SignatureError",
    )
    v(
        "reject-signer-id-swapped",
        "The signer id changed to citra's and checked with her key.",
        edit(signer=key_id(ed_key("citra").public_key()).hex()),
        citra_pub,
        "status",
        "SignatureError",
    )
    body = json.loads(signed.parse(good).body)
    tampered = json.dumps(
        {**body, "state": "closed_unsubstantiated"}, sort_keys=True, separators=(",", ":")
    ).encode()
    v(
        "reject-tampered-body",
        "The body's state changed, signature kept.",
        edit(body=b64u_encode(tampered)),
        budi_pub,
        "status",
        "SignatureError",
    )
    sig = bytearray(signed.parse(good).sig)
    sig[0] ^= 1
    v(
        "reject-flipped-signature",
        "One bit of the signature flipped.",
        edit(sig=b64u_encode(bytes(sig))),
        budi_pub,
        "status",
        "SignatureError",
    )
    v(
        "reject-not-signed-object",
        "Not a signed/v1 container.",
        b'{"bisik":"signed/v2"}',
        budi_pub,
        "status",
        "FormatError",
    )
    return vs
