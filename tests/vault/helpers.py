"""Shared builders for the vault tests (and the bundle bench and vector generator).

* a reviewer key pair, sealed blobs and cases in a vault (:class:`Reviewer`, :func:`new_case`);
* an organisation with real keys, derivable from a seed (:func:`make_org`, from
  scripts/vectors/bundle_org.py, where the bundle vectors are made with it), and sample bundles;
* a server home laid out as docs/ARCHITECTURE.md says, a vault opened on it, cases with real
  sealed envelopes, a laptop harness (read export, decrypt, write outbox), and a database
  snapshot that proves a rejected bundle changed nothing.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from crypto import envelope, records
from crypto.encoding import b64u_decode, b64u_encode
from crypto.keys import KeyPair, load_x25519_public, raw_private, raw_public
from scripts.vectors.bundle_org import TODAY as TODAY
from scripts.vectors.bundle_org import Org, make_org
from scripts.vectors.bundle_org import ed25519 as ed25519
from scripts.vectors.bundle_org import keypair as keypair
from scripts.vectors.bundle_org import revoke as revoke
from scripts.vectors.bundle_org import seeded as _seeded
from vault.blobstore import BlobRef
from vault.bundle import ExportWriter, OutboxWriter, read_export
from vault.store import Vault

# --- reviewer keys and cases in a vault ----------------------------------------------------------


@dataclass
class Reviewer:
    """A reviewer key pair for sealing test envelopes and signing records."""

    keys: KeyPair

    @classmethod
    def new(cls) -> Reviewer:
        return cls(KeyPair.generate())

    def status(self, case_id: str, state: str, at: str) -> bytes:
        authority = "BKN" if state == "escalated" else None
        return records.status(self.keys.signing, case_id, state, authority=authority, at=at)


def sealed_blob(vault: Vault, reviewer: Reviewer, plaintext: bytes) -> BlobRef:
    """Seal ``plaintext`` to the reviewer and store the envelope."""
    return vault.blobs.put_bytes(envelope.seal(plaintext, [reviewer.keys.public.encryption]))


def new_case(vault: Vault, reviewer: Reviewer, *, evidence: int = 1) -> str:
    """A case with a sealed report and ``evidence`` sealed evidence blobs."""
    report = sealed_blob(vault, reviewer, b"report " + secrets.token_bytes(8))
    ev = [sealed_blob(vault, reviewer, secrets.token_bytes(2000)) for _ in range(evidence)]
    return vault.create_case(
        lookup_tag=secrets.token_bytes(32),
        reply_public=raw_public(KeyPair.generate().encryption.public_key()),
        recipients=["rev-a"],
        report_blob=report,
        evidence=ev,
    )


# --- an organisation with real keys; sample bundles ----------------------------------------------


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
    path: Path,
    org: Org,
    *,
    cases: int = 2,
    evidence: int = 1,
    evidence_size: int = 300,
    seq_from: int = 0,
    records_by: str = "rev_a",
) -> Sample:
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
                w.add_envelope(
                    case,
                    "report" if i == 0 else "evidence",
                    seq,
                    io.BytesIO(blob),
                    len(blob),
                    hashlib.sha256(blob).hexdigest(),
                )
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
    path: Path,
    org: Org,
    *,
    reviewer: str = "rev_a",
    cases: tuple[str, ...] = ("casex",),
    ack: int = 7,
    reply_keys: dict[str, bytes] | None = None,
) -> list[tuple[str, str, bytes]]:
    """An outbox with, per case, a status and a reply (sealed to a fresh or given reply key)."""
    items: list[tuple[str, str, bytes]] = []
    with OutboxWriter(path, org.signer(reviewer), org.directory, ack=ack) as out:
        for case in cases:
            st = record_status(org, reviewer, case, "need_info", "2026-11-29T09:00:00+00:00")
            out.add_status(st)
            pub = (reply_keys or {}).get(case) or reply_keypair()[1]
            env = envelope.seal(b"mohon bukti tambahan", [load_x25519_public(pub)])
            rec = records.reply(
                org.signer(reviewer),
                case,
                hashlib.sha256(env).hexdigest(),
                at="2026-11-29T09:01:00+00:00",
            )
            out.add_reply(rec, env)
            items += [("status", case, st), ("reply", case, rec), ("reply_envelope", case, env)]
    return items


# --- a server home, a laptop harness, database snapshots -----------------------------------------


@dataclass
class Server:
    """A server home, its vault and its organisation; ``reporters`` maps case → reply key."""

    home: Path
    vault: Vault
    org: Org
    reporters: dict[str, X25519PrivateKey] = field(default_factory=dict)


def make_home(home: Path, org: Org) -> None:
    (home / "secrets").mkdir(parents=True, exist_ok=True, mode=0o700)
    (home / "org").mkdir(parents=True, exist_ok=True)
    key = home / "secrets" / "signing.key"
    key.write_bytes(raw_private(org.server))
    os.chmod(key, 0o600)
    (home / "org" / "root.pub").write_bytes(raw_public(org.root.public_key()))
    (home / "org" / "directory.json").write_bytes(org.directory_bytes)


def open_server(home: Path, db_url: str, org: Org | None = None) -> Server:
    org = org or make_org()
    make_home(home, org)
    return Server(home, Vault.open(db_url, home), org)


def add_case(
    server: Server,
    *,
    evidence: int = 1,
    evidence_size: int = 2000,
    recipients: tuple[str, ...] = ("rev_a", "rev_b"),
) -> str:
    """A case as the intake makes it: a sealed report and sealed evidence, to ``recipients``."""
    keys = [server.org.reviewers[r].public.encryption for r in recipients]
    report = server.vault.blobs.put_bytes(envelope.seal(b"LAPORAN " + secrets.token_bytes(8), keys))
    ev = [
        server.vault.blobs.put_bytes(envelope.seal(secrets.token_bytes(evidence_size), keys))
        for _ in range(evidence)
    ]
    priv = X25519PrivateKey.generate()
    case = server.vault.create_case(
        lookup_tag=secrets.token_bytes(32),
        reply_public=raw_public(priv.public_key()),
        recipients=list(recipients),
        report_blob=report,
        evidence=ev,
    )
    server.reporters[case] = priv
    return case


@dataclass
class Laptop:
    """What the reviewer harness learnt from an export."""

    seq_to: int
    reports: dict[str, bytes]  # case -> decrypted report
    reply_keys: dict[str, bytes]  # case -> raw reporter reply public key
    records: list[tuple[str, str, bytes]]  # (kind, case, signed record)
    kinds: list[str]


def reviewer_import(export_path: Path, org: Org, reviewer: str) -> Laptop:
    """The laptop side: verify the export, decrypt reports with the reviewer's key."""
    import json

    kp = org.reviewers[reviewer]
    lap = Laptop(0, {}, {}, [], [])
    with read_export(export_path, org.directory) as bundle:
        lap.seq_to = bundle.manifest.seq_to
        for item in bundle.items():
            lap.kinds.append(item.kind if item.kind != "envelope" else item.extra["type"])
            if item.kind == "case":
                desc = json.loads(item.read_bytes())
                lap.reply_keys[item.case] = b64u_decode(desc["reply_key"])
            elif item.kind == "envelope" and item.extra["type"] == "report":
                with item.open() as src:
                    out = io.BytesIO()
                    envelope.unseal_stream(src, out, kp.encryption)
                    lap.reports[item.case] = out.getvalue()
            elif item.kind in ("status", "reply"):
                lap.records.append((item.kind, item.case, item.read_bytes()))
    return lap


def write_outbox(
    path: Path,
    org: Org,
    reviewer: str,
    lap: Laptop,
    *,
    state: str = "in_review",
    at: str = "2026-11-29T08:00:00+00:00",
    reply: bytes | None = b"Terima kasih.",
    cases: list[str] | None = None,
    ack: int | None = None,
) -> None:
    """The laptop's outbox: a status (and a reply sealed to the reporter) per case."""
    with OutboxWriter(
        path, org.signer(reviewer), org.directory, ack=lap.seq_to if ack is None else ack
    ) as out:
        for case in cases if cases is not None else sorted(lap.reports):
            out.add_status(record_status(org, reviewer, case, state, at))
            if reply is not None:
                env = envelope.seal(reply, [load_x25519_public(lap.reply_keys[case])])
                sha = hashlib.sha256(env).hexdigest()
                out.add_reply(records.reply(org.signer(reviewer), case, sha, at=at), env)


def db_snapshot(vault: Vault) -> dict[str, Any]:
    """Every row of every table, plus the blob store's file names: the state to compare."""
    md = sa.MetaData()
    md.reflect(vault.engine)
    with vault.engine.connect() as conn:
        rows = {
            t.name: sorted(repr(tuple(r)) for r in conn.execute(sa.select(t)))
            for t in md.sorted_tables
        }
    blobs = sorted(p.name for p in (vault.home / "blobs").rglob("*") if p.is_file())
    return {"rows": rows, "blobs": blobs}
