"""The signed manifest: what the whole bundle is, and who vouches for it (BUNDLE.md §2.2).

Export manifests are signed by the server key named in the directory; outbox manifests by an
active reviewer, and they name the server they are meant for, so a bundle made for another
organisation's server (a *foreign* bundle) is refused even when its signature is good.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from crypto import signed
from crypto.directory import Directory, Reviewer
from crypto.errors import FormatError, SignatureError
from crypto.keys import key_id

from .errors import BundleFormatError, BundleSignatureError, BundleWriteError
from .index import HEX64
from .layout import EXPORT, OUTBOX
from .writer import BundleWriter

FORMAT = "bisik-bundle/v1"
_HEX32 = re.compile(r"\A[0-9a-f]{32}\Z")  # \Z: "$" would let a final "\n" through
_COMMON = (
    "v",
    "format",
    "direction",
    "bundle_id",
    "created",
    "server",
    "count",
    "index_sha256",
    "index_length",
)
_EXTRA = {EXPORT: ("seq_from", "seq_to"), OUTBOX: ("reviewer", "ack")}


@dataclass(frozen=True)
class Manifest:
    """A verified manifest body: ``seq_*`` set for exports, ``reviewer``/``ack`` for outboxes."""

    direction: str
    bundle_id: str
    created: str
    server: str
    count: int
    index_sha256: str
    index_length: int
    seq_from: int = 0
    seq_to: int = 0
    reviewer: str = ""
    ack: int = 0

    def body(self) -> dict[str, Any]:
        """The JSON body that gets signed (fields of the other direction left out)."""
        common = {
            "v": 1,
            "format": FORMAT,
            "direction": self.direction,
            "bundle_id": self.bundle_id,
            "created": self.created,
            "server": self.server,
            "count": self.count,
            "index_sha256": self.index_sha256,
            "index_length": self.index_length,
        }
        extra = {k: getattr(self, k) for k in _EXTRA[self.direction]}
        return {**common, **extra}


def server_id(key: Ed25519PublicKey) -> str:
    """The key id (hex) by which manifests name a server."""
    return key_id(key).hex()


def sign(manifest: Manifest, key: Ed25519PrivateKey) -> bytes:
    """The signed manifest bytes, as they go into the manifest frame."""
    return signed.sign(key, "manifest", manifest.body()).to_bytes()


def _uint(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < (1 << 63)


def _matches(pattern: re.Pattern[str], value: Any) -> bool:
    return isinstance(value, str) and bool(pattern.match(value))


def _parse_body(body: dict[str, Any], direction: str) -> Manifest:
    """MUST-reject 8: another version, format or direction; missing or mistyped fields."""
    fields = _COMMON + _EXTRA[direction]
    if set(body) != set(fields):
        raise BundleFormatError("manifest fields do not match this direction and version")
    if body["v"] != 1 or body["format"] != FORMAT or body["direction"] != direction:
        raise BundleFormatError(f"manifest is not a {FORMAT} {direction} manifest")
    try:
        dt.date.fromisoformat(body["created"])
        ok = all(_matches(_HEX32, body[k]) for k in ("bundle_id", "server"))
        ok = ok and _matches(HEX64, body["index_sha256"])
        ok = ok and all(_uint(body[k]) for k in ("count", "index_length"))
        if direction == EXPORT:
            ok = ok and _uint(body["seq_from"]) and _uint(body["seq_to"])
            ok = ok and body["seq_from"] <= body["seq_to"]
        else:
            ok = ok and isinstance(body["reviewer"], str) and _uint(body["ack"])
    except (TypeError, ValueError) as exc:
        raise BundleFormatError("manifest has a mistyped field") from exc
    if not ok:
        raise BundleFormatError("manifest has a mistyped field")
    return Manifest(**{k: body[k] for k in fields if k not in ("v", "format")})


def _parse(raw: bytes) -> signed.Signed:
    try:
        obj = signed.parse(raw)
    except FormatError as exc:
        raise BundleFormatError("manifest is not a signed object") from exc
    if obj.to_bytes() != raw:  # one byte form only: no re-encoded copy of a good manifest
        raise BundleFormatError("manifest is not in canonical form")
    if obj.kind != "manifest":
        raise BundleSignatureError(f"manifest frame holds a {obj.kind!r}, not a manifest")
    return obj


def verify_export(raw: bytes, directory: Directory) -> Manifest:
    """MUST-reject 5, 6, 8: verify against the directory's server key and parse."""
    obj = _parse(raw)
    if directory.server_key is None:
        raise BundleSignatureError("the directory names no server key: cannot trust an export")
    try:
        body = obj.verify(directory.server_key, "manifest")
    except (SignatureError, FormatError) as exc:
        raise BundleSignatureError("export not signed by this organisation's server") from exc
    manifest = _parse_body(body, EXPORT)
    if manifest.server != server_id(directory.server_key):
        raise BundleSignatureError("export names another server")
    return manifest


def verify_outbox(
    raw: bytes, directory: Directory, server_key: Ed25519PublicKey
) -> tuple[Manifest, Reviewer]:
    """MUST-reject 5, 7, 8: signed by an active reviewer, addressed to this server."""
    obj = _parse(raw)
    try:
        reviewer = directory.reviewer_by_signer(obj.signer)
        body = obj.verify(reviewer.keys.signing, "manifest")
    except (SignatureError, FormatError) as exc:
        raise BundleSignatureError("outbox not signed by an active reviewer") from exc
    manifest = _parse_body(body, OUTBOX)
    if manifest.reviewer != reviewer.id:
        raise BundleSignatureError("outbox names another reviewer than its signer")
    if manifest.server != server_id(server_key):
        raise BundleSignatureError("outbox was made for another server (foreign bundle)")
    return manifest, reviewer


class SignedWriter:
    """What the export and outbox writers share: a manifest built and signed at the very end.

    Subclasses own ``self._w`` (a :class:`~vault.bundle.writer.BundleWriter`) and ``self._key``
    and pass a function that builds their :class:`Manifest` from the index figures.
    """

    _key: Ed25519PrivateKey
    _w: BundleWriter
    manifest: Manifest | None

    def _sign_and_finish(self, make: Callable[[int, str, int], Manifest]) -> Manifest:
        def signer(count: int, index_sha256: str, index_length: int) -> bytes:
            made = make(count, index_sha256, index_length)
            self.manifest = made
            return sign(made, self._key)

        self._w.finish(signer)
        if self.manifest is None:  # finish() always calls signer(); this only satisfies typing
            raise BundleWriteError("bundle finished without a manifest")
        return self.manifest

    def abort(self) -> None:
        """Give up: the temporary file is removed, the destination untouched."""
        self._w.abort()
