"""The reviewer directory: which keys speak for the organisation (SPEC §6).

The organisation's root Ed25519 key, kept offline, signs a ``directory`` object listing the
reviewers (name, role, X25519 + Ed25519 keys, validity), the intake server's signing key, and
revocations. The browser, the server and the reviewer tool pin the root key and call
:func:`verify_directory` before encrypting to, or trusting a signature from, any key.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from . import signed
from .encoding import b64u_encode
from .errors import FormatError, SignatureError
from .keys import PublicKeys, key_id, load_ed25519_public, raw_public

ROLES = frozenset({"reviewer", "lead"})
# An ASCII identifier, as the browser checks it (intake/static/js/bisik-crypto.js). Not
# str.isidentifier(): that admits any Unicode letter, so "аyu" (Cyrillic а) and "ayu" would be
# two reviewers that look alike, and a directory the browser refuses would verify here.
REVIEWER_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Reviewer:
    """One reviewer entry of a verified directory."""

    id: str
    name: str
    role: str
    keys: PublicKeys
    valid_from: dt.date
    valid_until: dt.date

    @property
    def signer_id(self) -> str:
        """The reviewer's Ed25519 key id (32 lowercase hex digits): what signed records name."""
        return key_id(self.keys.signing).hex()

    def to_json(self) -> dict[str, Any]:
        """The entry as SPEC §6 writes it inside a directory body."""
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            **self.keys.to_json(),
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat(),
        }


@dataclass(frozen=True)
class Directory:
    """A directory whose signature, root and expiry were checked."""

    org_name: str
    root: Ed25519PublicKey
    serial: int
    expires: dt.date
    server_key: Ed25519PublicKey | None
    reviewers: tuple[Reviewer, ...]
    revoked: frozenset[str]  # Ed25519 key ids (hex) whose signatures are no longer trusted
    today: dt.date

    def _active(self, r: Reviewer) -> bool:
        return r.valid_from <= self.today <= r.valid_until and r.signer_id not in self.revoked

    def active_reviewers(self) -> list[Reviewer]:
        """Reviewers active on the directory's day (SPEC §6): in their validity and not revoked."""
        return [r for r in self.reviewers if self._active(r)]

    def recipients(self, exclude: frozenset[str] = frozenset()) -> list[X25519PublicKey]:
        """Encryption keys of every active reviewer except those the reporter left out."""
        chosen = [r.keys.encryption for r in self.active_reviewers() if r.id not in exclude]
        if not chosen:
            raise SignatureError("no active reviewer would be able to read this")
        return chosen

    def reviewer_by_signer(self, signer: str) -> Reviewer:
        """The active reviewer owning the Ed25519 key id ``signer``, or SignatureError."""
        for r in self.reviewers:
            if r.signer_id == signer and self._active(r):
                return r
        raise SignatureError("signer is not an active reviewer in the directory")


def _date(value: Any) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise FormatError("bad date in directory") from exc


def _reviewer(obj: dict[str, Any]) -> Reviewer:
    try:
        if obj["role"] not in ROLES or not REVIEWER_ID.fullmatch(str(obj["id"])):
            raise FormatError("bad reviewer id or role")
        return Reviewer(
            str(obj["id"]),
            str(obj["name"]),
            obj["role"],
            PublicKeys.from_json(obj),
            _date(obj["valid_from"]),
            _date(obj["valid_until"]),
        )
    except (KeyError, TypeError) as exc:
        raise FormatError("incomplete reviewer entry") from exc


def verify_directory(
    data: bytes | str,
    root: Ed25519PublicKey,
    today: dt.date | None = None,
    *,
    min_serial: int | None = None,
) -> Directory:
    """Verify a signed directory against the pinned ``root`` key and parse it.

    Raises SignatureError if it is not signed by ``root``, has expired, or (rollback, SPEC §6)
    has a ``serial`` below ``min_serial``; FormatError if it is malformed. Callers that saw a
    directory before pass its serial as ``min_serial``.
    """
    body = signed.parse(data).verify(root, "directory")
    today = today or dt.datetime.now(dt.UTC).date()
    try:
        if body["v"] != 1 or load_ed25519_public(body["org"]["root"]) != root:
            raise SignatureError("directory names a different root key")
        expires = _date(body["expires"])
        serial = body["serial"]
        if not isinstance(serial, int) or isinstance(serial, bool) or serial < 0:
            raise FormatError("directory serial must be a non-negative integer")
        if min_serial is not None and serial < min_serial:
            raise SignatureError("this directory is older than one already seen (rollback)")
        if today > expires:
            raise SignatureError("the directory has expired; ask the organisation for a new one")
        server = body.get("server")
        reviewers = tuple(_reviewer(r) for r in body["reviewers"])
        if len({r.id for r in reviewers}) != len(reviewers):
            raise FormatError("duplicate reviewer id")
        return Directory(
            org_name=str(body["org"]["name"]),
            root=root,
            serial=serial,
            expires=expires,
            server_key=load_ed25519_public(server) if server else None,
            reviewers=reviewers,
            revoked=frozenset(str(k) for k in body.get("revoked", [])),
            today=today,
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, FormatError):
            raise
        raise FormatError("incomplete directory") from exc


def sign_directory(
    root: Ed25519PrivateKey,
    org_name: str,
    serial: int,
    expires: dt.date,
    reviewers: list[Reviewer],
    server_key: Ed25519PublicKey | None = None,
    revoked: list[str] | None = None,
) -> bytes:
    """Build and sign a directory (the key ceremony, on the offline machine)."""
    body = {
        "v": 1,
        "org": {"name": org_name, "root": b64u_encode(raw_public(root.public_key()))},
        "serial": serial,
        "expires": expires.isoformat(),
        "server": b64u_encode(raw_public(server_key)) if server_key else None,
        "reviewers": [r.to_json() for r in reviewers],
        "revoked": sorted(revoked or []),
    }
    return signed.sign(root, "directory", body).to_bytes()
