"""Bridge from the reviewer core's encrypted case store to the plain inputs of this package.

- :func:`case_facts` turns a decrypted store case (a dict, see ``reviewer.cases``) into
  :class:`CaseFacts`;
- :func:`decrypted_evidence` opens the case's evidence envelopes into a private temporary
  directory for the length of a ``with`` block and removes them afterwards;
- :func:`load_tracking` / :func:`save_tracking` keep the tracking log inside the store's sealed
  index (``meta["tracking"]``), so it is encrypted at rest and changed atomically with it.

Leaks: decrypted evidence exists on disk (mode 0600, in a 0700 directory inside the chosen
output directory) until the block ends.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from crypto import envelope
from crypto.errors import DecryptionError

from ..errors import EvidenceAlteredError
from .case import CaseFacts, EvidenceItem, StatusEvent, consent_set, parse_day
from .regulations import canonical_category
from .tracking import TrackingLog

META_KEY = "tracking"


class _Store(Protocol):
    @property
    def meta(self) -> dict[str, Any]: ...

    def blob_path(self, sha256: str) -> Path | None: ...

    def transaction(self) -> Any: ...


def _evidence_list(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's evidence, then evidence added by follow-up messages (e.g. retaliation)."""
    seen: dict[str, dict[str, Any]] = {}
    for ev in [*case.get("evidence", []),
               *(e for m in case.get("messages", []) for e in m.get("evidence", []))]:
        seen.setdefault(ev["envelope_sha256"], ev)
    return list(seen.values())


def case_facts(case: dict[str, Any], paths: dict[str, Path] | None = None) -> CaseFacts:
    """The plain view of a store case; ``paths`` maps envelope hashes to decrypted files."""
    report = case.get("report") or {}
    fields = dict(report.get("fields") or {})
    base = CaseFacts.from_dict({"case_id": case["id"], "received_day": case["received"],
                                "fields": fields, "consent": report.get("consent") or {}})
    statuses = []
    acked: dt.date | None = None
    for rec in case.get("records", []):
        day = parse_day(rec["body"]["at"])
        acked = day if acked is None or (day and day < acked) else acked
        if rec["kind"] == "status" and day is not None:
            statuses.append(StatusEvent(rec["body"]["state"], day, rec["body"].get("authority")))
    statuses.sort(key=lambda s: s.day)
    paths = paths or {}
    evidence = tuple(EvidenceItem(e["envelope_sha256"], str(e.get("name", "")),
                                  str(e.get("media_type", "")), int(e.get("size", 0)),
                                  bool(e.get("share", False)), paths.get(e["envelope_sha256"]))
                     for e in _evidence_list(case))  # fmt: skip
    return CaseFacts(
        case_id=base.case_id, received_day=base.received_day,
        category=canonical_category(case.get("category") or base.category), region=base.region,
        incident_date=base.incident_date, election=base.election, fields=fields,
        evidence=evidence, status_history=tuple(statuses),
        consent_authorities=consent_set(report.get("consent") or {}), acknowledged_day=acked,
        incident_label=base.incident_label,
        retaliations=tuple({k: str(v) for k, v in m.get("fields", {}).items()}
                           for m in case.get("messages", [])
                           if m.get("readable") and m.get("type") == "retaliation"),
    )  # fmt: skip


@contextlib.contextmanager
def decrypted_evidence(
    store: _Store, key: X25519PrivateKey, case: dict[str, Any], workdir: Path, *,
    shared_only: bool = False,
) -> Iterator[tuple[dict[str, Path], list[str]]]:  # fmt: skip
    """Yield ({envelope sha256: decrypted path}, [hashes whose envelope is missing]).

    Each envelope is opened only if its header opens with ``key`` to exactly the ``envelope_mac``
    the report lists (SPEC §8), so a substituted envelope — even one sealed to this reviewer —
    is never exported as the reporter's. That failure, and any decryption failure of the payload
    (altered or truncated after it was listed), raise :class:`EvidenceAlteredError` naming the
    item; nothing of it is kept and the directory is removed in every case.
    """
    workdir.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".bisik-plain-", dir=workdir))
    try:
        paths: dict[str, Path] = {}
        missing: list[str] = []
        for n, ev in enumerate(_evidence_list(case), 1):
            if shared_only and not ev.get("share"):
                continue
            src = store.blob_path(ev["envelope_sha256"])
            if src is None:
                missing.append(ev["envelope_sha256"])
                continue
            target = tmp / f"{n:03d}"
            _open_listed(src, target, key, ev, n)
            paths[ev["envelope_sha256"]] = target
        yield paths, missing
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _open_listed(src: Path, target: Path, key: X25519PrivateKey, ev: dict[str, Any], n: int
                 ) -> None:  # fmt: skip
    """Decrypt evidence ``n`` into ``target`` only if it is the envelope the report lists."""
    try:
        with open(src, "rb") as fh:
            if envelope.open_header_mac(fh, key).hex() != ev.get("envelope_mac"):
                raise DecryptionError()
            fh.seek(0)
            envelope.unseal_to_path(fh, target, key)  # temporary file, kept only on success
    except DecryptionError as exc:
        raise EvidenceAlteredError(
            f"evidence {n} ({ev['envelope_sha256'][:16]}…) is not the envelope the report "
            "lists, or its content was altered: it was not decrypted") from exc


def load_tracking(store: _Store) -> TrackingLog:
    """The tracking log kept in the store's sealed index (empty if none yet)."""
    return TrackingLog.from_obj(store.meta.get(META_KEY) or {"v": 1, "entries": []})


def save_tracking(store: _Store, log: TrackingLog) -> None:
    """Replace the tracking log in one store transaction."""
    with store.transaction() as tx:
        tx.meta[META_KEY] = log.to_obj()
