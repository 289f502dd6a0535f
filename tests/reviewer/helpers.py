"""Builders for reviewer tests: an organisation with real keys, and real export bundles; and a
reviewer command run on a real pseudo-terminal.

Everything is real: keys from crypto.keys, directories signed by crypto.directory, reports
sealed with crypto.envelope, exports written with vault.bundle.ExportWriter and signed with a
server Ed25519 key. Argon2id runs with the minimal ``test`` profile so tests stay fast.

:func:`drive_tty` runs a reviewer command on a pty and answers its prompts, as a person would;
used where a finding happened on a terminal: the shell's prompt, the redaction questions of
``escalate``. The child's stdin, stdout and stderr are the pty's far end, so ``isatty()`` is
true for it and everything it writes (escape sequences included) comes back byte for byte.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import select
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from PIL import Image

from crypto import document as cdoc
from crypto import envelope, receipt, records
from crypto.directory import Directory
from crypto.encoding import b64u_encode
from crypto.keys import raw_public
from reviewer import identity, org
from reviewer.bundles import open_export
from reviewer.home import Config, Home
from reviewer.identity import Identity
from reviewer.importer import ImportSummary, import_items
from reviewer.store import CaseStore
from vault.bundle import ExportWriter

PASSPHRASE = "kata sandi rahasia panjang"
PROFILE = "test"


@dataclass
class Member:
    home: Home
    ident: Identity


@dataclass
class Org:
    """A lead (who holds the root key) and a colleague, both with trusted directories."""

    lead: Member
    colleague: Member
    server_key: Ed25519PrivateKey
    root: Path
    directory_bytes: bytes = b""

    def directory(self) -> Directory:
        return org.load_directory(self.lead.home)

    def members(self) -> dict[str, Member]:
        return {"lead": self.lead, "colleague": self.colleague}


LETTERHEAD = {
    "org_name": "Perkumpulan Pemantau Netralitas",
    "org_address": "Jalan Merdeka 1, Bandar Lampung",
    "org_contact": "surel: penelaah@pemantau.example",
    "org_city": "Bandar Lampung",
    "signatory_name": "Sri Handayani",
    "signatory_title": "Koordinator Penelaah",
}


def make_member(root: Path, rid: str, name: str) -> Member:
    home = Home(root / rid)
    member = Member(home, identity.create(home, rid, name, PASSPHRASE, profile=PROFILE))
    home.save_config(Config(**LETTERHEAD))  # an organisation that can send dossier letters
    return member


def make_org(root: Path) -> Org:
    """The key ceremony, done through the library: root, two reviewers, signed directory."""
    lead = make_member(root, "ayu", "Ayu Lestari")
    colleague = make_member(root, "budi", "Budi Santoso")
    org.init_root(lead.home, "Pengawas Netralitas", PASSPHRASE, profile=PROFILE)
    org.add_member(lead.home, lead.home.public_json, role="lead")
    org.add_member(lead.home, colleague.home.public_json)
    server = Ed25519PrivateKey.generate()
    data = org.sign(lead.home, PASSPHRASE, server.public_key())
    org.pin_root(colleague.home, lead.home.root_pub)
    org.adopt_directory(colleague.home, data)
    return Org(lead, colleague, server, root, data)


@dataclass
class FakeReport:
    """A report as the browser would send it: sealed document, sealed evidence, a receipt."""

    case_id: str
    received: str
    recipients: list[str]
    receipt_code: str
    report_env: bytes
    evidence: dict[str, bytes] = field(default_factory=dict)  # sha256 -> envelope
    listed_missing: list[str] = field(default_factory=list)

    @property
    def reply_key(self) -> str:
        return b64u_encode(raw_public(receipt.derive(self.receipt_code).reply_public))


def seal_evidence(data: bytes, keys: list[X25519PublicKey]) -> tuple[bytes, str]:
    """(envelope, header MAC hex) as the browser and the no-JS path make them: the MAC taken
    from the sealer, never from the finished envelope."""
    out = io.BytesIO()
    with envelope.Sealer(out, keys) as sealer:
        sealer.write(data)
    return out.getvalue(), sealer.header_mac.hex()


def _tamper(env: bytes, keys: list[X25519PublicKey], how: str) -> bytes:
    """What a dishonest server could store instead of ``env`` (and list the hash of).

    ``substituted``: another envelope sealed to the same reviewers (its header MAC differs).
    ``payload``: ``env``'s header kept (its MAC still verifies), one payload byte flipped.
    """
    if how == "substituted":
        return seal_evidence(b"bukti palsu " + secrets.token_bytes(64), keys)[0]
    altered = bytearray(env)
    altered[-20] ^= 0x01
    return bytes(altered)


def make_report(
    directory: Directory,
    recipients: list[str],
    *,
    text: str = "Atasan memerintahkan",
    evidence: int = 1,
    missing: int = 0,
    received: str = "2026-11-20",
    fields: dict[str, str] | None = None,
    tamper: str | None = None,
    consent: dict[str, object] | None = None,
    followup_key: bool = False,
    evidence_data: list[bytes] | None = None,
) -> FakeReport:
    """Seal a report (and ``evidence`` files) to the named reviewers of ``directory``.

    With ``tamper`` (see :func:`_tamper`) the first evidence file is replaced by the server
    before upload finishes: the report lists the hash the server returned for what it stored,
    beside the header MAC of what the reporter sealed (SPEC §8). With ``followup_key`` the
    report publishes the receipt's follow-up key (SPEC §12), as every current writer does.
    ``evidence_data`` gives the first files' contents (a real photo), else random bytes.
    """
    keys = [r.keys.encryption for r in directory.active_reviewers() if r.id in recipients]
    code = receipt.generate()
    reply_pub = receipt.derive(code).reply_public
    ev_envs = {}
    listed = []
    for i in range(evidence + missing):
        given = evidence_data[i] if evidence_data and i < len(evidence_data) else None
        env, mac = seal_evidence(given or f"bukti {i} ".encode() + secrets.token_bytes(64), keys)
        if tamper and i == 0:
            env = _tamper(env, keys, tamper)
        sha = hashlib.sha256(env).hexdigest()  # the address the server computed on finish
        listed.append(
            cdoc.Evidence(sha, f"foto_{i}.jpg", "image/jpeg", 70, share=i == 0, envelope_mac=mac)
        )
        if i < evidence:
            ev_envs[sha] = env
    doc = cdoc.Document(
        "report",
        "2026-11-20T08:15:00+00:00",
        "browser",
        fields or {"category": "mobilisation", "province": "Jawa Tengah", "description": text},
        b64u_encode(raw_public(reply_pub)),
        tuple(listed),
        consent or {},
        b64u_encode(raw_public(receipt.derive(code).followup_public)) if followup_key else None,
    )
    case_id = secrets.token_hex(8)
    missing_shas = [e.envelope_sha256 for e in listed[evidence:]]
    return FakeReport(
        case_id,
        received,
        recipients,
        code,
        envelope.seal(doc.to_bytes(), keys),
        ev_envs,
        missing_shas,
    )


def write_export(
    path: Path,
    server: Ed25519PrivateKey,
    reports: list[FakeReport],
    *,
    records_by_case: dict[str, list[tuple[str, bytes]]] | None = None,
    seq_from: int = 0,
    messages_by_case: dict[str, list[tuple[str, bytes]]] | None = None,
) -> int:
    """Write an export bundle with vault.bundle's writer; returns seq_to.

    ``messages_by_case``: (type, sealed document) of follow-ups, as the server exports them."""
    seq = seq_from
    with ExportWriter(path, server, seq_from=seq_from) as w:
        for rep in reports:
            w.add_case(rep.case_id, rep.received, rep.recipients, rep.reply_key)
            seq += 1
            w.add_envelope(
                rep.case_id,
                "report",
                seq,
                io.BytesIO(rep.report_env),
                len(rep.report_env),
                hashlib.sha256(rep.report_env).hexdigest(),
            )
            for sha, env in rep.evidence.items():
                seq += 1
                w.add_envelope(rep.case_id, "evidence", seq, io.BytesIO(env), len(env), sha)
            for kind, env in (messages_by_case or {}).get(rep.case_id, []):
                seq += 1
                w.add_envelope(
                    rep.case_id,
                    kind,
                    seq,
                    io.BytesIO(env),
                    len(env),
                    hashlib.sha256(env).hexdigest(),
                )
            for kind, rec in (records_by_case or {}).get(rep.case_id, []):
                seq += 1
                w.add_record(kind, rep.case_id, seq, rec)
        w.finish(seq)
    return seq


def status_by(
    member: Member,
    case_id: str,
    state: str,
    at: str = "2026-11-21T09:00:00+00:00",
    authority: str | None = None,
) -> bytes:
    return records.status(member.ident.keys.signing, case_id, state, authority=authority, at=at)


def tree_snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes: to prove a failed operation changed nothing."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "lock"
    }


def lead_args(team: Org, tmp_path: Path) -> list[str]:
    """The lead's ``--home`` and ``--passphrase-file`` as a command-line test passes them (the
    passphrase written to ``tmp_path / "pp"``)."""
    pp = tmp_path / "pp"
    pp.write_text(PASSPHRASE)
    return ["--home", str(team.lead.home.root), "--passphrase-file", str(pp)]


CLI = [sys.executable, "-m", "reviewer.cli"]


def child_env(**extra: str) -> dict[str, str]:
    """The test's environment without passphrase or language overrides, unbuffered."""
    env = {k: v for k, v in os.environ.items() if k not in ("BISIK_PASSPHRASE", "BISIK_LANG")}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def drive_tty(
    argv: list[str],
    lines: list[str],
    *,
    marker: bytes = b"bisik> ",
    deadline: float = 60.0,
    env: dict[str, str] | None = None,
) -> tuple[bytes, int]:
    """Run ``argv`` on a pty, typing the next of ``lines`` each time ``marker`` appears once
    more in the output; returns (every byte written to the terminal, exit status)."""
    main_fd, sub_fd = os.openpty()
    proc = subprocess.Popen(
        argv, stdin=sub_fd, stdout=sub_fd, stderr=sub_fd, env=env or child_env(), close_fds=True
    )
    os.close(sub_fd)
    seen, sent, end = b"", 0, time.monotonic() + deadline
    try:
        while time.monotonic() < end:
            ready, _, _ = select.select([main_fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(main_fd, 4096)
                except OSError:  # the other side closed: the program ended
                    break
                if not chunk:
                    break
                seen += chunk
            if sent < len(lines) and seen.count(marker) > sent:
                os.write(main_fd, lines[sent].encode())
                sent += 1
            if proc.poll() is not None and not ready:
                break
        return seen, proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(main_fd)


def do_import(member: Member, path: Path, *, fail_after: int | None = None) -> ImportSummary:
    """Import through the same library calls the ``import`` command makes."""
    directory = org.load_directory(member.home)
    seen = 0

    def progress(n: int) -> None:
        nonlocal seen
        seen += n
        if fail_after is not None and seen >= fail_after:
            raise OSError("simulated crash mid-import")

    with (
        CaseStore.open(member.home.store, member.ident.store_key) as store,
        open_export(path, directory) as export,
    ):
        return import_items(
            store,
            member.ident,
            directory,
            member.home.load_config(),
            export.items(),
            bundle_id=export.manifest.bundle_id,
            seq_to=export.manifest.seq_to,
            progress=progress,
        )


def cases_of(member: Member) -> dict[str, dict]:
    with CaseStore.open(member.home.store, member.ident.store_key) as store:
        return {cid: store.load_case(cid) for cid in store.cases}


GPS_IFD = 0x8825


def jpeg_with_gps(path: Path) -> Path:
    """A small JPEG with camera make/model, software and a GPS position (Jakarta)."""
    image = Image.new("RGB", (48, 32), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "EOS 80D"  # Model
    exif[0x0131] = "Camera Firmware 1.0"  # Software
    exif[0x013B] = "Budi Santoso"  # Artist
    exif[GPS_IFD] = {1: "S", 2: (6.0, 10.0, 30.0), 3: "E", 4: (106.0, 49.0, 0.0)}
    image.save(path, format="JPEG", exif=exif)
    return path
