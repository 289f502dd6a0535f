"""Signed objects: one container for every signed thing (SPEC §4).

JSON ``{"bisik": "signed/v1", "kind": K, "signer": <key id hex>, "body": <b64url>,
"sig": <b64url>}``; the Ed25519 signature covers ``"bisik/v1 signed\\0" ‖ K ‖ "\\0" ‖ body``.
The body bytes are signed as they are (no re-serialisation), so the browser verifies without
canonicalising JSON. The kind is inside the signature, so a status record can never be
replayed as a directory or a proof.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .encoding import b64u_decode, b64u_encode, canonical_json, parse_json_object
from .errors import FormatError, SignatureError
from .keys import key_id

KINDS = frozenset(
    {
        "directory",
        "status",
        "reply",
        "proof",
        "manifest",
        "escalation",
        "followup",
        "link",
        "track",
    }  # link: SPEC §15; track: SPEC §16
)
MAX_SIGNED = 4 << 20


def _message(kind: str, body: bytes) -> bytes:
    return b"bisik/v1 signed\x00" + kind.encode() + b"\x00" + body


@dataclass(frozen=True)
class Signed:
    """A parsed signed object whose signature has not necessarily been checked yet."""

    kind: str
    signer: str
    body: bytes
    sig: bytes

    def to_bytes(self) -> bytes:
        """The container's canonical JSON (SPEC §4); the body is carried as the signed bytes."""
        return canonical_json(
            {
                "bisik": "signed/v1",
                "kind": self.kind,
                "signer": self.signer,
                "body": b64u_encode(self.body),
                "sig": b64u_encode(self.sig),
            }
        )

    def verify(self, key: Ed25519PublicKey, kind: str) -> dict[str, Any]:
        """Check kind, signer and signature; return the body as a JSON object."""
        if self.kind != kind or self.signer != key_id(key).hex():
            raise SignatureError(f"not a {kind} signed by this key")
        try:
            key.verify(self.sig, _message(self.kind, self.body))
        except InvalidSignature as exc:
            raise SignatureError(f"{kind} signature does not verify") from exc
        return parse_json_object(self.body, max_size=MAX_SIGNED)


def sign(key: Ed25519PrivateKey, kind: str, body: dict[str, Any]) -> Signed:
    """Sign the canonical JSON of ``body`` as a ``kind`` object."""
    if kind not in KINDS:
        raise ValueError(f"unknown signed kind {kind!r}")
    data = canonical_json(body)
    return Signed(kind, key_id(key.public_key()).hex(), data, key.sign(_message(kind, data)))


def parse(data: bytes | str) -> Signed:
    """Parse the container (signature unchecked); FormatError if it is not one."""
    raw = data.encode() if isinstance(data, str) else data
    obj = parse_json_object(raw, max_size=MAX_SIGNED)  # SPEC §4: container ≤ 4 MiB too
    try:
        if obj["bisik"] != "signed/v1" or obj["kind"] not in KINDS:
            raise FormatError("not a Bisik signed object of this version")
        signer = obj["signer"]
        if not isinstance(signer, str) or len(signer) != 32:
            raise FormatError("bad signer id")
        return Signed(
            obj["kind"], signer, b64u_decode(obj["body"]), b64u_decode(obj["sig"], length=64)
        )
    except (KeyError, TypeError) as exc:
        raise FormatError("incomplete signed object") from exc


def body_of(data: bytes | str) -> Any:
    """Unverified body, for display of *already verified* stored objects only."""
    return json.loads(parse(data).body)
