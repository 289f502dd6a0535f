"""Server-side builders for the transfer tests and the bundle bench (no tests here).

A server home laid out as docs/ARCHITECTURE.md says (secrets/signing.key, org/root.pub,
org/directory.json), a vault opened on it, cases with real sealed envelopes, a reviewer
harness that plays the laptop (read export, decrypt, write outbox), and a database snapshot
used to prove that a rejected bundle changed nothing.
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
from crypto.encoding import b64u_decode
from crypto.keys import load_x25519_public, raw_private, raw_public
from vault.bundle import OutboxWriter, read_export
from vault.store import Vault

from .test_bundle_support import Org, make_org, record_status


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
    server: Server, *, evidence: int = 1, evidence_size: int = 2000,
    recipients: tuple[str, ...] = ("rev_a", "rev_b"),
) -> str:  # fmt: skip
    """A case as the intake makes it: a sealed report and sealed evidence, to ``recipients``."""
    keys = [server.org.reviewers[r].public.encryption for r in recipients]
    report = server.vault.blobs.put_bytes(envelope.seal(b"LAPORAN " + secrets.token_bytes(8), keys))
    ev = [
        server.vault.blobs.put_bytes(envelope.seal(secrets.token_bytes(evidence_size), keys))
        for _ in range(evidence)
    ]
    priv = X25519PrivateKey.generate()
    case = server.vault.create_case(
        lookup_tag=secrets.token_bytes(32), reply_public=raw_public(priv.public_key()),
        recipients=list(recipients), report_blob=report, evidence=ev,
    )  # fmt: skip
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
    path: Path, org: Org, reviewer: str, lap: Laptop, *, state: str = "in_review",
    at: str = "2026-11-29T08:00:00+00:00", reply: bytes | None = b"Terima kasih.",
    cases: list[str] | None = None, ack: int | None = None,
) -> None:  # fmt: skip
    """The laptop's outbox: a status (and a reply sealed to the reporter) per case."""
    with OutboxWriter(path, org.signer(reviewer), org.directory,
                      ack=lap.seq_to if ack is None else ack) as out:  # fmt: skip
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
        rows = {t.name: sorted(repr(tuple(r)) for r in conn.execute(sa.select(t)))
                for t in md.sorted_tables}  # fmt: skip
    blobs = sorted(p.name for p in (vault.home / "blobs").rglob("*") if p.is_file())
    return {"rows": rows, "blobs": blobs}

