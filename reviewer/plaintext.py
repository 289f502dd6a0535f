"""Evidence envelopes opened into plaintext files, for as long as a command needs them.

:func:`decrypted_evidence` opens a case's evidence envelopes into a private temporary
directory inside the reviewer home's ``work/`` for the length of a ``with`` block and removes
them afterwards; ``evidence`` and ``escalate`` clean the copies there and write only the
cleaned results (or originals asked for) to the ``--out`` medium.

Leaks: decrypted evidence exists on disk (mode 0600, in a 0700 directory inside ``work/``)
until the block ends; a crash leaves it there until the next command empties ``work/``
(:meth:`reviewer.home.Home.private_workdir`).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from crypto import envelope
from crypto.errors import DecryptionError

from .case import Case, EvidenceItem
from .errors import EvidenceAlteredError


class _Blobs(Protocol):
    def blob_path(self, sha256: str) -> Path | None: ...


@contextlib.contextmanager
def decrypted_evidence(
    store: _Blobs,
    key: X25519PrivateKey,
    case: Case,
    workdir: Path,
    *,
    shared_only: bool = False,
) -> Iterator[tuple[Case, list[str]]]:
    """Yield (``case`` with ``path`` set on each decrypted evidence item, [hashes whose
    envelope is missing]).

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
        for n, ev in enumerate(case.evidence, 1):
            if shared_only and not ev.share:
                continue
            src = store.blob_path(ev.envelope_sha256)
            if src is None:
                missing.append(ev.envelope_sha256)
                continue
            target = tmp / f"{n:03d}"
            _open_listed(src, target, key, ev, n)
            paths[ev.envelope_sha256] = target
        yield case.with_evidence_paths(paths), missing
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _open_listed(src: Path, target: Path, key: X25519PrivateKey, ev: EvidenceItem, n: int) -> None:
    """Decrypt evidence ``n`` into ``target`` only if it is the envelope the report lists."""
    try:
        with open(src, "rb") as fh:
            if envelope.open_header_mac(fh, key).hex() != ev.envelope_mac:
                raise DecryptionError()
            fh.seek(0)
            envelope.unseal_to_path(fh, target, key)  # temporary file, kept only on success
    except DecryptionError as exc:
        raise EvidenceAlteredError(f"evidence {n} ({ev.envelope_sha256[:16]}…)") from exc
