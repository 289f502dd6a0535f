"""The seizure test: after full flows, nothing under the state directory identifies or reveals.

The promise: docs/THREAT_MODEL.md P1 (a seized server reveals no report and no reporter) and
vault/README.md, "What leaks (to someone who seizes the server)".

Drives reports (streamed and resumable evidence), follow-up and retaliation messages,
statuses and a reply through the vault API with real envelopes and a real receipt, takes a
backup (and on PostgreSQL a ``pg_dump``), then searches every byte — database, WAL, blobs,
partial uploads, temporary files, the backup, the dump — for the report's marker text, the
receipt, the lookup id, the reply private key, the evidence file names, a client address and a
browser string, each raw, in hex, in base64/base64url at every alignment, and UTF-16. None may
appear. Then: without a reviewer's private key (or the reporter's) no blob decrypts.

When the intake lands, its end-to-end flows extend this test (tests/e2e); the vault part
stays the floor.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import secrets
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from crypto import document, envelope, receipt, records
from crypto.encoding import b64u_encode
from crypto.errors import DecryptionError
from crypto.keys import KeyPair, raw_private, raw_public
from vault.backup import backup
from vault.blobstore import BlobRef, day_start
from vault.store import Vault

CLIENT_ADDRESS = "203.0.113.77"
BROWSER = "Mozilla/5.0 (Android 14; Mobile; rv:140.0) Gecko/140.0 Firefox/140.0"


def encodings(needle: bytes) -> set[bytes]:
    """Forms a careless implementation might store ``needle`` in."""
    forms = {needle, needle.hex().encode(), needle.hex().upper().encode()}
    if needle.isascii():
        forms |= {needle.lower(), needle.upper(), needle.decode().encode("utf-16-le")}
    for shift in range(3):  # base64 depends on alignment: cover all three, trim the edges
        for enc in (base64.b64encode, base64.urlsafe_b64encode):
            text = enc(b"\0" * shift + needle).rstrip(b"=")
            core = text[(shift * 4 + 2) // 3 + 1 : -2]
            if len(core) >= 12:
                forms.add(core)
    return {f for f in forms if len(f) >= 8}


def scan(paths: list[Path], needles: dict[str, bytes]) -> list[tuple[str, str]]:
    """(file, needle name) for every needle form found in any file under ``paths``."""
    forms = {name: encodings(value) for name, value in needles.items()}
    hits = []
    files = [p for root in paths for p in ([root] if root.is_file() else root.rglob("*"))]
    for path in files:
        if not path.is_file():
            continue
        data = path.read_bytes()
        for name, variants in forms.items():
            if any(v in data for v in variants):
                hits.append((str(path), name))
    return hits


@pytest.fixture(params=["files", "database"])
def vault(vault_db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Vault]:
    """Each blob store: files under the home, or rows of the database (scale-out)."""
    v = Vault.open(vault_db_url, tmp_path / "home", blob_store=request.param)
    yield v
    v.close()


def _seal(vault: Vault, doc: document.Document, to: Sequence[X25519PublicKey]) -> BlobRef:
    return vault.blobs.put_bytes(envelope.seal(doc.to_bytes(), to))


@dataclass(frozen=True)
class Flow:
    marker: str
    code: str
    secrets: receipt.ReceiptSecrets
    names: list[str]
    case: str


def _flow(vault: Vault, reviewer: KeyPair) -> Flow:
    """A reporter submits, follows up and reports retaliation; reviewers answer."""
    marker = "PENANDA-RAHASIA-" + secrets.token_hex(8)
    code = receipt.generate()
    rs = receipt.derive(code)
    pepper = secrets.token_bytes(32)
    names = [
        f"perintah_camat_{secrets.token_hex(4)}.jpg",
        f"rekaman_suara_kadis_{secrets.token_hex(4)}.ogg",
    ]
    to = [reviewer.public.encryption]

    # evidence 1: streamed straight from a Sealer into the blob store
    photo = marker.encode() + b" EXIF GPS -6.2,106.8 " + secrets.token_bytes(150_000)
    with vault.blobs.writer() as w:
        with envelope.Sealer(w, to) as sealer:  # type: ignore[arg-type]
            for i in range(0, len(photo), 64 << 10):
                sealer.write(photo[i : i + (64 << 10)])
        ev1 = w.commit()
    # evidence 2: the resumable path, a retried piece included, then abandoned one half-way
    voice = envelope.seal(marker.encode() + secrets.token_bytes(90_000), to)
    uid = vault.start_upload(owner=hashlib.sha256(b"upload token").digest(), total_size=len(voice))
    owner = hashlib.sha256(b"upload token").digest()
    vault.append_upload(uid, owner, 0, voice[:40_000])
    vault.append_upload(uid, owner, 0, voice[:40_000])
    vault.append_upload(uid, owner, 40_000, voice[40_000:])
    ev2 = vault.finish_upload(uid, owner, hashlib.sha256(voice).hexdigest())
    half = vault.start_upload(owner=owner, total_size=len(voice))
    vault.append_upload(half, owner, 0, voice[:30_000])

    evidence = [
        document.Evidence(
            ev1.sha256, names[0], "image/jpeg", len(photo), envelope_mac=sealer.header_mac.hex()
        ),
        document.Evidence(
            ev2.sha256,
            names[1],
            "audio/ogg",
            90_000,
            envelope_mac=envelope.header_mac(io.BytesIO(voice)).hex(),
        ),
    ]
    report = document.Document(
        "report",
        document.now(),
        "browser",
        {"category": "mobilisasi", "text": f"{marker} Camat mengumpulkan KTP di grup WhatsApp"},
        b64u_encode(raw_public(rs.reply_public)),
        evidence,
        {"share": "yes"},
    )
    case_id = vault.create_case(
        lookup_tag=receipt.lookup_tag(pepper, rs.lookup_id),
        reply_public=raw_public(rs.reply_public),
        recipients=["rev-a"],
        report_blob=_seal(vault, report, to),
        evidence=[ev1, ev2],
    )
    found = vault.case_by_lookup(receipt.lookup_tag(pepper, receipt.derive(code).lookup_id))
    assert found is not None and found.id == case_id

    msg = document.Document("message", document.now(), "server", {"text": marker + " susulan"})
    vault.add_message(case_id, kind="message", blob=_seal(vault, msg, to), evidence=[])
    ret = document.Document(
        "retaliation",
        document.now(),
        "server",
        {"text": marker + " saya dimutasi ke kecamatan terpencil"},
    )
    vault.add_message(case_id, kind="retaliation", blob=_seal(vault, ret, to), evidence=[])

    reply_doc = document.Document(
        "reply", document.now(), "reviewer", {"text": marker + " balasan penelaah"}
    )
    reply_blob = _seal(vault, reply_doc, [rs.reply_public])
    with vault.batch() as tx:
        tx.mark_bundle(secrets.token_bytes(16))
        tx.add_status(case_id, records.status(reviewer.signing, case_id, "in_review"))
        tx.add_reply(
            case_id, records.reply(reviewer.signing, case_id, reply_blob.sha256), reply_blob
        )
    vault.add_status(
        case_id, records.status(reviewer.signing, case_id, "escalated", authority="BKN")
    )
    return Flow(marker, code, rs, names, case_id)


def _pg_dump(db_url: str, out: Path) -> Path:
    options = parse_qs(urlsplit(db_url).query).get("options", [""])[0]
    schema = options.split("search_path=")[1]
    dump = subprocess.run(
        ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "-n", schema, "test"],
        capture_output=True,
        check=True,
    )
    out.write_bytes(dump.stdout)
    assert b"CREATE TABLE" in dump.stdout
    return out


def test_seized_state_reveals_nothing(vault: Vault, vault_db_url: str, tmp_path: Path) -> None:
    reviewer = KeyPair.generate()
    flow = _flow(vault, reviewer)
    rs, code = flow.secrets, flow.code
    needles = {
        "marker": flow.marker.encode(),
        "receipt": code.encode(),
        "receipt canonical": receipt.normalize(code).encode(),
        "lookup id": rs.lookup_id,
        "reply private key": raw_private(rs.reply_key),
        "client address": CLIENT_ADDRESS.encode(),
        "browser": BROWSER.encode(),
    }
    for i, name in enumerate(flow.names):
        needles[f"file name {i}"] = name.encode()

    archive = tmp_path / "seized-backup.tar"
    backup(vault, archive)
    evidence_dir = [tmp_path / "home", archive]
    if vault.engine.dialect.name == "postgresql":
        evidence_dir.append(_pg_dump(vault_db_url, tmp_path / "dump.sql"))
    else:  # the WAL is part of what a seizure takes while the service runs
        assert any(p.name.endswith("-wal") for p in (tmp_path / "home").iterdir())

    # the scanner works: it finds every needle form when one is planted
    canary = tmp_path / "canary"
    for name, value in needles.items():
        for form in encodings(value):
            canary.write_bytes(secrets.token_bytes(100) + form + secrets.token_bytes(100))
            assert scan([canary], {name: value}) == [(str(canary), name)]
    canary.unlink()

    assert scan(evidence_dir, needles) == []

    # file times keep the day only
    for path in (tmp_path / "home").rglob("*"):
        if path.is_file() and path.parent.name != "tmp" and "blobs" in path.parts[-3:]:
            assert path.stat().st_mtime == day_start()
    if vault.blob_store == "files":
        for path in [tmp_path / "home" / "uploads", *(tmp_path / "home" / "uploads").iterdir()]:
            assert path.stat().st_mtime == day_start()

    # without a private key nothing opens; with the reviewer's, the reports do (so the
    # marker really went through the flow), and the reply opens only for the reporter
    stranger = X25519PrivateKey.generate()
    opened_by_reviewer = 0
    for sha in vault.blobs.iter_shas():
        with vault.blobs.open(sha) as f:
            blob = f.read()
        with pytest.raises(DecryptionError):
            envelope.unseal(blob, stranger)
        try:
            plain = envelope.unseal(blob, reviewer.encryption)
        except DecryptionError:
            assert envelope.unseal(blob, rs.reply_key)  # the reply, for the reporter only
            continue
        opened_by_reviewer += 1
        assert flow.marker.encode() in plain
    assert opened_by_reviewer == 5  # report, 2 evidence, message, retaliation


def test_encodings_cover_base64_at_every_alignment() -> None:
    needle = b"a secret that must not leak"
    for prefix in (b"", b"x", b"xy", b"xyz"):
        for enc in (base64.b64encode, base64.urlsafe_b64encode):
            stored = enc(prefix + needle + b"tail")
            assert any(f in stored for f in encodings(needle)), (prefix, enc)
    assert os.urandom(4) not in encodings(needle)
