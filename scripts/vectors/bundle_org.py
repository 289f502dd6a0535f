"""The organisation the bundle vectors are made for: a root key, a server key, reviewers and
the directory the root signed, all derivable from a seed so every run makes the same bytes.

The vault tests and the bundle bench build their organisations with the same functions
(tests/vault/helpers.py imports them from here), so a vector and a test speak of one thing.
Without a seed the keys are fresh random ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from crypto.directory import Directory, sign_directory, verify_directory
from crypto.directory import Reviewer as Entry
from crypto.keys import KeyPair, key_id

TODAY = dt.date(2026, 11, 29)


def seeded(seed: str | None, label: str) -> bytes | None:
    """32 bytes derived from ``seed`` and ``label``, or None without a seed."""
    if seed is None:
        return None
    return hashlib.sha256(f"bisik-test/{seed}/{label}".encode()).digest()


def ed25519(seed: str | None, label: str) -> Ed25519PrivateKey:
    """An Ed25519 key derived from ``seed`` and ``label`` (a fresh one without a seed)."""
    raw = seeded(seed, label)
    return Ed25519PrivateKey.from_private_bytes(raw) if raw else Ed25519PrivateKey.generate()


def keypair(seed: str | None, label: str) -> KeyPair:
    """A reviewer's key pair derived from ``seed`` and ``label`` (fresh without a seed)."""
    x = seeded(seed, label + "/x")
    if x is None:
        return KeyPair.generate()
    return KeyPair(X25519PrivateKey.from_private_bytes(x), ed25519(seed, label + "/ed"))


@dataclass
class Org:
    """A root key, a server key, reviewers, and the directory the root signed."""

    root: Ed25519PrivateKey
    server: Ed25519PrivateKey
    reviewers: dict[str, KeyPair]
    directory_bytes: bytes
    revoked: list[str] = field(default_factory=list)

    @property
    def directory(self) -> Directory:
        """The signed directory, verified under the root key on :data:`TODAY`."""
        return verify_directory(self.directory_bytes, self.root.public_key(), TODAY)

    def signer(self, reviewer_id: str) -> Ed25519PrivateKey:
        """A reviewer's signing key."""
        return self.reviewers[reviewer_id].signing

    def with_server(self, server: Ed25519PrivateKey | None) -> Org:
        """The same organisation whose directory names another server key (or none)."""
        return make_org(
            root=self.root,
            server=server,
            reviewers=self.reviewers,
            revoked=self.revoked,
            no_server=server is None,
        )


def make_org(
    ids: tuple[str, ...] = ("rev_a", "rev_b"),
    *,
    seed: str | None = None,
    root: Ed25519PrivateKey | None = None,
    server: Ed25519PrivateKey | None = None,
    reviewers: dict[str, KeyPair] | None = None,
    revoked: list[str] | None = None,
    no_server: bool = False,
) -> Org:
    """An organisation; pass ``seed`` for keys that are the same on every run."""
    root = root or ed25519(seed, "root")
    server = server or ed25519(seed, "server")
    reviewers = reviewers or {rid: keypair(seed, rid) for rid in ids}
    entries = [
        Entry(
            rid,
            rid.upper(),
            "lead" if i == 0 else "reviewer",
            kp.public,
            TODAY - dt.timedelta(days=30),
            TODAY + dt.timedelta(days=365),
        )
        for i, (rid, kp) in enumerate(reviewers.items())
    ]
    data = sign_directory(
        root,
        "Bisik Test",
        1,
        TODAY + dt.timedelta(days=365),
        entries,
        None if no_server else server.public_key(),
        revoked or [],
    )
    return Org(root, server, reviewers, data, revoked or [])


def revoke(org: Org, reviewer_id: str) -> Org:
    """The same organisation after revoking one reviewer's signing key."""
    kid = key_id(org.reviewers[reviewer_id].signing.public_key()).hex()
    return make_org(
        root=org.root, server=org.server, reviewers=org.reviewers, revoked=[*org.revoked, kid]
    )
