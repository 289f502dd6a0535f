"""The organisation root key ceremony, and the directory every laptop trusts.

Lead's laptop: :func:`init_root` makes the root Ed25519 key (sealed under the passphrase like
the reviewer keys), :func:`add_member` / :func:`revoke_member` edit the member list, and
:func:`sign` produces the signed directory with a serial one above the last. Every laptop:
:func:`pin_root` pins the root public key once (compare its fingerprint aloud, read before
pinning with :func:`root_file_fingerprint`),
:func:`adopt_directory` accepts a directory only if the pinned root signed it and its serial
is not lower than the one already trusted (rollback protection; :func:`adopt_directory_file`
reads it from a file), :func:`load_directory`.

The member list (``org/members.json``) holds public keys only; it is shown in full before
signing so the lead can check it, since a change to it on disk is not otherwise detected.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from crypto import directory as cdir
from crypto.encoding import b64u_decode
from crypto.errors import FormatError
from crypto.fsutil import write_atomic
from crypto.keys import (
    PublicKeys,
    fingerprint,
    key_id,
    load_ed25519_public,
    raw_private,
    raw_public,
)

from . import keyfile
from .errors import AlreadyExists, DirectoryError, NotInitialised, ReviewerError, UsageError
from .home import Home
from .identity import read_public_card

ROOT_LABEL = "org-root"


@dataclass
class Members:
    """The lead's working list: organisation name, last serial, reviewers, revoked key ids."""

    org: str
    serial: int
    reviewers: list[cdir.Reviewer]
    revoked: list[str]

    def to_json(self) -> dict[str, Any]:
        """The members file's object: organisation, last serial, reviewers, revoked key ids."""
        return {
            "org": self.org,
            "serial": self.serial,
            "revoked": sorted(self.revoked),
            "reviewers": [r.to_json() for r in self.reviewers],
        }


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def load_members(home: Home) -> Members:
    """The root holder's members file; NotInitialised if there is none, FormatError if damaged."""
    if not home.members.exists():
        raise NotInitialised("err.no_org", home=str(home.root))
    try:
        obj = json.loads(home.members.read_text(encoding="utf-8"))
        return Members(
            str(obj["org"]),
            int(obj["serial"]),
            [_member(r) for r in obj["reviewers"]],
            [str(x) for x in obj["revoked"]],
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, FormatError):
            raise
        raise FormatError("org/members.json is damaged") from exc


def _member(obj: dict[str, Any]) -> cdir.Reviewer:
    return cdir.Reviewer(
        str(obj["id"]),
        str(obj["name"]),
        str(obj["role"]),
        PublicKeys.from_json(obj),
        dt.date.fromisoformat(obj["valid_from"]),
        dt.date.fromisoformat(obj["valid_until"]),
    )


def save_members(home: Home, members: Members) -> None:
    """Write the members file atomically."""
    write_atomic(home.members, json.dumps(members.to_json(), indent=2).encode())


def root_fingerprint(root: Ed25519PublicKey) -> str:
    """The organisation root key's fingerprint (SPEC §2.3), compared aloud at the ceremony."""
    return fingerprint(root)


def init_root(
    home: Home, org_name: str, passphrase: str, *, profile: str = keyfile.DEFAULT_PROFILE
) -> Ed25519PublicKey:
    """Create the root key in this home; refuses if one exists. Returns the public key."""
    if home.root_key.exists():
        raise AlreadyExists("err.root_exists", path=str(home.root_key))
    if not org_name.strip():
        raise UsageError("err.org_name")
    keyfile.check_new_passphrase(passphrase)
    root = Ed25519PrivateKey.generate()
    home.ensure()
    write_atomic(
        home.root_key,
        keyfile.seal_secret(raw_private(root), passphrase, label=ROOT_LABEL, profile=profile),
    )
    write_atomic(home.root_pub, raw_public(root.public_key()), mode=0o644)
    save_members(home, Members(org_name.strip(), 0, [], []))
    return root.public_key()


def unlock_root(home: Home, passphrase: str) -> Ed25519PrivateKey:
    """Open the root key with ``passphrase`` (one Argon2id run); WrongPassphrase if it fails."""
    if not home.root_key.exists():
        raise NotInitialised("err.no_org", home=str(home.root))
    seed = keyfile.open_secret(home.root_key.read_bytes(), passphrase, label=ROOT_LABEL)
    return Ed25519PrivateKey.from_private_bytes(seed)


def add_member(
    home: Home, card: Path, role: str = "reviewer", valid_days: int = 365
) -> cdir.Reviewer:
    """Add a reviewer from their ``public.json``; refuses a taken id or a revoked key."""
    if role not in cdir.ROLES:
        raise UsageError("err.role", role=role)
    members = load_members(home)
    rid, name, keys, _ = read_public_card(card)
    if any(r.id == rid for r in members.reviewers):
        raise AlreadyExists("err.member_exists", id=rid)
    if key_id(keys.signing).hex() in members.revoked:
        raise UsageError("err.key_revoked", id=rid)
    today = _today()
    entry = cdir.Reviewer(rid, name, role, keys, today, today + dt.timedelta(days=valid_days))
    members.reviewers.append(entry)
    save_members(home, members)
    return entry


def revoke_member(home: Home, reviewer_id: str) -> cdir.Reviewer:
    """List a reviewer's signing key as revoked in the next directory.

    The entry stays in the directory (inactive): nothing new is encrypted to it and its new
    signatures are refused, but statuses and replies it signed before still verify, so
    every laptop and the server keep accepting the case history (BUNDLE.md §3 rule 15).
    """
    members = load_members(home)
    found = [r for r in members.reviewers if r.id == reviewer_id]
    if not found or found[0].signer_id in members.revoked:
        raise UsageError("err.no_member", id=reviewer_id)
    members.revoked.append(found[0].signer_id)
    save_members(home, members)
    return found[0]


def read_server_key(path: Path) -> Ed25519PublicKey:
    """The server's Ed25519 public key from raw 32 bytes or one line of base64url."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError("err.read_file", path=str(path)) from exc
    if len(data) == 32:
        return load_ed25519_public(data)
    return load_ed25519_public(b64u_decode(data.decode("ascii", "replace").strip(), length=32))


def sign(home: Home, passphrase: str, server_key: Ed25519PublicKey, days: int = 90) -> bytes:
    """Sign the member list into a directory (serial + 1), install it here and return it."""
    if days < 1:
        raise UsageError("err.days")
    members = load_members(home)
    root = unlock_root(home, passphrase)
    serial = members.serial + 1
    data = cdir.sign_directory(
        root,
        members.org,
        serial,
        _today() + dt.timedelta(days=days),
        members.reviewers,
        server_key,
        members.revoked,
    )
    cdir.verify_directory(data, root.public_key())  # never hand out what we would not accept
    members.serial = serial
    save_members(home, members)
    adopt_directory(home, data)
    return data


def pin_root(home: Home, root_pub: Path, expected: str | None = None) -> Ed25519PublicKey:
    """Pin the organisation root public key (raw 32 bytes); refuses to replace a different one.

    ``expected`` is the fingerprint the reviewer was shown and compared with the lead (the
    app reads the file twice, to show it and to pin it): a file that changed in between is
    refused (``err.root_changed``) and nothing is pinned."""
    key = read_server_key(root_pub)
    if expected is not None and root_fingerprint(key) != expected:
        raise ReviewerError("err.root_changed", path=str(root_pub))
    raw = raw_public(key)
    if home.root_pub.exists() and home.root_pub.read_bytes() != raw:
        raise AlreadyExists("err.root_pinned", path=str(home.root_pub))
    home.ensure()
    write_atomic(home.root_pub, raw, mode=0o644)
    return key


def root_file_fingerprint(root_pub: Path) -> str:
    """The fingerprint of the root public key in ``root_pub``, read as :func:`pin_root` reads
    it: what the reviewer compares with the lead before pinning. Nothing is written."""
    return root_fingerprint(read_server_key(root_pub))


def pinned_root(home: Home) -> Ed25519PublicKey:
    """The pinned root public key of this home; NotInitialised if none is pinned."""
    if not home.root_pub.exists():
        raise NotInitialised("err.no_root", home=str(home.root))
    return load_ed25519_public(home.root_pub.read_bytes())


def adopt_directory(home: Home, data: bytes) -> cdir.Directory:
    """Trust ``data`` if the pinned root signed it and its serial is not older than ours."""
    new = cdir.verify_directory(data, pinned_root(home))
    if home.directory.exists():
        old = cdir.verify_directory(
            home.directory.read_bytes(), new.root, today=new.today - dt.timedelta(days=36500)
        )
        if new.serial < old.serial:
            raise DirectoryError("err.directory_rollback", new=new.serial, old=old.serial)
        if new.serial == old.serial and data != home.directory.read_bytes():
            raise DirectoryError("err.directory_fork", serial=new.serial)
    write_atomic(home.directory, data, mode=0o644)
    return new


def adopt_directory_file(home: Home, path: Path) -> cdir.Directory:
    """:func:`adopt_directory` of the file at ``path`` (``org use``); UsageError if it cannot
    be read. Nothing changes unless the directory is accepted."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError("err.read_file", path=str(path)) from exc
    return adopt_directory(home, data)


def load_directory(home: Home, today: dt.date | None = None) -> cdir.Directory:
    """The trusted directory, verified again against the pinned root (and its expiry)."""
    if not home.directory.exists():
        raise NotInitialised("err.no_directory", home=str(home.root))
    return cdir.verify_directory(home.directory.read_bytes(), pinned_root(home), today)
