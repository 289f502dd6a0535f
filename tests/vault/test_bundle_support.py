"""Builders shared by the bundle and transfer tests: an organisation with real keys.

Not a test module of its own (it holds no tests); named ``test_bundle_*`` because that is the
file pattern the bundle work owns. Keys can be derived from a seed so the vector generator
(tests/vectors/bundle/make_vectors.py) reproduces the same organisation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from crypto import envelope, records
from crypto.directory import Directory, Reviewer, sign_directory, verify_directory
from crypto.encoding import b64u_encode
from crypto.keys import KeyPair, key_id, load_x25519_public, raw_public
from vault.bundle import ExportWriter, OutboxWriter

TODAY = dt.date(2026, 11, 29)


def _seeded(seed: str | None, label: str) -> bytes | None:
    if seed is None:
        return None
    return hashlib.sha256(f"bisik-test/{seed}/{label}".encode()).digest()


def ed25519(seed: str | None, label: str) -> Ed25519PrivateKey:
    raw = _seeded(seed, label)
    return Ed25519PrivateKey.from_private_bytes(raw) if raw else Ed25519PrivateKey.generate()


def keypair(seed: str | None, label: str) -> KeyPair:
    x = _seeded(seed, label + "/x")
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
        return verify_directory(self.directory_bytes, self.root.public_key(), TODAY)

    def signer(self, reviewer_id: str) -> Ed25519PrivateKey:
        return self.reviewers[reviewer_id].signing

    def with_server(self, server: Ed25519PrivateKey | None) -> Org:
        """The same organisation whose directory names another server key (or none)."""
        return make_org(root=self.root, server=server, reviewers=self.reviewers,
                        revoked=self.revoked, no_server=server is None)  # fmt: skip


def make_org(
    ids: tuple[str, ...] = ("rev_a", "rev_b"), *, seed: str | None = None,
    root: Ed25519PrivateKey | None = None, server: Ed25519PrivateKey | None = None,
    reviewers: dict[str, KeyPair] | None = None, revoked: list[str] | None = None,
    no_server: bool = False,
) -> Org:  # fmt: skip
    """An organisation; pass ``seed`` for keys that are the same on every run."""
    root = root or ed25519(seed, "root")
    server = server or ed25519(seed, "server")
    reviewers = reviewers or {rid: keypair(seed, rid) for rid in ids}
    entries = [
        Reviewer(rid, rid.upper(), "lead" if i == 0 else "reviewer", kp.public,
                 TODAY - dt.timedelta(days=30), TODAY + dt.timedelta(days=365))
        for i, (rid, kp) in enumerate(reviewers.items())
    ]  # fmt: skip
    data = sign_directory(
        root, "Bisik Test", 1, TODAY + dt.timedelta(days=365), entries,
        None if no_server else server.public_key(), revoked or [],
    )  # fmt: skip
    return Org(root, server, reviewers, data, revoked or [])


def revoke(org: Org, reviewer_id: str) -> Org:
    """The same organisation after revoking one reviewer's signing key."""
    kid = key_id(org.reviewers[reviewer_id].signing.public_key()).hex()
    return make_org(root=org.root, server=org.server, reviewers=org.reviewers,
                    revoked=[*org.revoked, kid])  # fmt: skip


def reply_keypair(
    seed: str | None = None, label: str = "reporter"
) -> tuple[X25519PrivateKey, bytes]:
    """A reporter's reply key pair: (private, raw public 32 bytes)."""
    x = _seeded(seed, label)
    priv = X25519PrivateKey.from_private_bytes(x) if x else X25519PrivateKey.generate()
    return priv, raw_public(priv.public_key())


# -- sample bundles ------------------------------------------------------------------------------

@dataclass
class Sample:
    """What a sample bundle holds, in order: (kind, case, data) per item."""

    items: list[tuple[str, str, bytes]]
    reply_keys: dict[str, X25519PrivateKey]


def record_status(org: Org, reviewer_id: str, case: str, state: str, at: str) -> bytes:
    authority = "BKN" if state == "escalated" else None
    return records.status(org.signer(reviewer_id), case, state, authority=authority, at=at)


def write_sample_export(
    path: Path, org: Org, *, cases: int = 2, evidence: int = 1, evidence_size: int = 300,
    seq_from: int = 0, records_by: str = "rev_a",
) -> Sample:  # fmt: skip
    """An export of ``cases`` cases (report + evidence + one status + one reply each)."""
    recipients = [kp.public.encryption for kp in org.reviewers.values()]
    items: list[tuple[str, str, bytes]] = []
    reply_keys: dict[str, X25519PrivateKey] = {}
    seq = seq_from
    with ExportWriter(path, org.server, seq_from=seq_from) as w:
        for c in range(cases):
            case = f"case{c:04d}" + secrets.token_hex(4)
            priv, pub = reply_keypair()
            reply_keys[case] = priv
            w.add_case(case, "2026-11-28", sorted(org.reviewers), b64u_encode(pub))
            items.append(("case", case, b""))
            seq += 1
            blobs = [envelope.seal(b"report %d" % c, recipients)] + [
                envelope.seal(secrets.token_bytes(evidence_size), recipients)
                for _ in range(evidence)
            ]
            for i, blob in enumerate(blobs):
                w.add_envelope(case, "report" if i == 0 else "evidence", seq, io.BytesIO(blob),
                               len(blob), hashlib.sha256(blob).hexdigest())  # fmt: skip
                items.append(("envelope", case, blob))
            seq += 1
            rec = record_status(org, records_by, case, "in_review", "2026-11-28T10:00:00+00:00")
            w.add_record("status", case, seq, rec)
            items.append(("status", case, rec))
            seq += 1
            reply_env = envelope.seal(b"terima kasih", [priv.public_key()])
            sha = hashlib.sha256(reply_env).hexdigest()
            rec = records.reply(org.signer(records_by), case, sha, at="2026-11-28T11:00:00+00:00")
            w.add_record("reply", case, seq, rec)
            w.add_envelope(case, "reply", seq, io.BytesIO(reply_env), len(reply_env), sha)
            items += [("reply", case, rec), ("envelope", case, reply_env)]
        w.finish(seq)
    return Sample(items, reply_keys)


def write_sample_outbox(
    path: Path, org: Org, *, reviewer: str = "rev_a", cases: tuple[str, ...] = ("casex",),
    ack: int = 7, reply_keys: dict[str, bytes] | None = None,
) -> list[tuple[str, str, bytes]]:  # fmt: skip
    """An outbox with, per case, a status and a reply (sealed to a fresh or given reply key)."""
    items: list[tuple[str, str, bytes]] = []
    with OutboxWriter(path, org.signer(reviewer), org.directory, ack=ack) as out:
        for case in cases:
            st = record_status(org, reviewer, case, "need_info", "2026-11-29T09:00:00+00:00")
            out.add_status(st)
            pub = (reply_keys or {}).get(case) or reply_keypair()[1]
            env = envelope.seal(b"mohon bukti tambahan", [load_x25519_public(pub)])
            rec = records.reply(org.signer(reviewer), case, hashlib.sha256(env).hexdigest(),
                                at="2026-11-29T09:01:00+00:00")  # fmt: skip
            out.add_reply(rec, env)
            items += [("status", case, st), ("reply", case, rec), ("reply_envelope", case, env)]
    return items
