"""Help with an LPSK protection application (UU 31/2014): a checklist, a draft letter in formal
Indonesian for the reporter to check and sign, and the case's signed timeline as attachment.

Only when both hold (:func:`require`): the reporter disclosed their identity **to this
reviewer** (a proven SPEC §17 document this laptop could open), and the reporter's consent
covers LPSK (``authorities.consented(get("lpsk"), case.consent_authorities)``). Otherwise
LpskError says which is missing and nothing is written.

The legal notes come from ``lpsk.json`` with their sources, marked as not yet verified by a
lawyer; the letter cites Pasal 28–29 for the conditions and procedure and Pasal 10 for the
good-faith reporter, and says LPSK decides: it never promises protection. The files hold the
reporter's identity in the clear, so they are written 0600 into a new or empty directory and
the command tells the reviewer to keep them on encrypted media.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from crypto import identity as cidentity
from crypto.errors import FormatError

from ..case import Case
from ..errors import ReviewerError
from ..i18n import indonesian
from .authorities import consented, get


class LpskError(ReviewerError):
    """The LPSK application cannot be prepared (no identity disclosed, no consent, bad --out)."""

    key = "err.lpsk_no_identity"


@dataclass(frozen=True)
class Application:
    """What :func:`write` produced."""

    directory: Path
    files: tuple[Path, ...]


@functools.cache
def _data() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("lpsk.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def disclosed_identity(case: Case) -> Mapping[str, str] | None:
    """The newest identity the reporter disclosed and this laptop could open, or None.

    Only a proven follow-up (SPEC §12: signed with the receipt) counts: a server could seal an
    "identity" to the reviewers too, but cannot sign it as the reporter."""
    found = None
    for msg in case.messages:
        if msg.readable and msg.type == cidentity.TYPE and msg.proof == "proven":
            try:
                found = cidentity.check_fields(msg.fields)
            except FormatError:
                continue
    return found


def require(case: Case) -> Mapping[str, str]:
    """The disclosed identity; LpskError unless disclosed to this reviewer and LPSK consented."""
    who = disclosed_identity(case)
    if who is None:
        raise LpskError("err.lpsk_no_identity", case=case.case_id[:12])
    if not consented(get("lpsk"), case.consent_authorities):
        raise LpskError("err.lpsk_no_consent", case=case.case_id[:12])
    return who


def _notice() -> str:
    sources = "; ".join(f"{p['law']} {p['article']} — {p['source']}" for p in _data()["provisions"])
    return indonesian("lpsk.unverified", source=sources)


def checklist(case: Case) -> str:
    """The checklist text (Indonesian), with the legal notes, their sources and the notice."""
    lines = [indonesian("lpsk.checklist_h", case=case.case_id[:12]), ""]
    lines += [f"[ ] {indonesian(f'lpsk.check.{k}')}" for k in _data()["checklist"]]
    keys = [str(p["key"]) for p in _data()["provisions"]]
    lines += ["", *(f"- {indonesian('lpsk.provision.' + k)}" for k in keys)]
    lines += ["", indonesian("lpsk.no_promise"), _notice()]
    return "\n".join(lines) + "\n"


def letter(case: Case, who: Mapping[str, str], org: str, place: str) -> str:
    """The draft application letter (formal Indonesian), the reporter's details filled in."""
    details = [
        f"{indonesian(f'lpsk.field.{k}'):<16}: {who[k]}"
        for k in cidentity.FIELDS
        if who.get(k, "").strip()
    ]
    parts = [
        indonesian("lpsk.letter.draft"),
        indonesian("lpsk.letter.to"),
        indonesian("lpsk.letter.subject"),
        indonesian("lpsk.letter.opening"),
        "\n".join(details),
        indonesian("lpsk.letter.body", org=org, received=case.received_day.isoformat()),
        indonesian("lpsk.letter.good_faith"),
        indonesian("lpsk.letter.attachments", org=org),
        indonesian("lpsk.letter.closing"),
        indonesian("lpsk.letter.sign", place=place or "..........", name=who["name"]),
        indonesian("lpsk.no_promise"),
        _notice(),
    ]
    return "\n\n".join(parts) + "\n"


def timeline(case: Case) -> tuple[str, bytes]:
    """The signed timeline: (readable text, JSON of every signed record exactly as signed)."""
    rows = [
        f"{r.at}  {r.by}  {r.kind}  " + (r.state or r.stage or r.envelope_sha256 or "")
        for r in case.records
    ]
    text = indonesian("lpsk.timeline_h", case=case.case_id[:12]) + "\n\n" + "\n".join(rows)
    data = {
        "case": case.case_id,
        "received": case.received_day.isoformat(),
        "records": [json.loads(r.raw) for r in case.records if r.raw],
    }
    return text + "\n", json.dumps(data, ensure_ascii=False, indent=1).encode() + b"\n"


def _private(path: Path, data: bytes) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path


def write(case: Case, out: Path, *, org: str, place: str = "") -> Application:
    """Check :func:`require`, then write the four files into ``out`` (new or empty)."""
    who = require(case)
    if out.exists() and any(out.iterdir()):
        raise LpskError("err.lpsk_out", dir=str(out))
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    text, signed_json = timeline(case)
    files = (
        _private(out / "01-daftar-periksa.txt", checklist(case).encode()),
        _private(out / "02-draf-surat-permohonan.txt", letter(case, who, org, place).encode()),
        _private(out / "03-lampiran-linimasa.txt", text.encode()),
        _private(out / "03-lampiran-linimasa.json", signed_json),
    )
    return Application(out, files)
