"""Cleaned evidence held in memory, for viewing inside the desktop app.

:func:`cleaned` decrypts one evidence item into the home's private work directory (the same
check as ``evidence``: the envelope must be the one the report lists, SPEC §8), cleans it with
mat2 exactly as ``evidence`` does (:func:`reviewer.evidence.export_one`), reads the cleaned
copy into memory and removes every file before it returns.

Promises: only a file mat2 cleaned, of a format that is a picture (:data:`VIEWABLE`: JPEG, PNG,
GIF, PDF — mat2 re-renders a PDF's pages as images, so no script or form survives), comes
back with its bytes; executables, macro-bearing documents, formats mat2 cannot clean, audio
and video come back without bytes and with the export's warnings saying why. No original
with its metadata is ever returned.

Leaks: the decrypted original exists on the laptop's disk (0600 in a 0700 directory under
``<home>/work``) for the length of the call; the cleaned picture stays in this process's memory
for as long as the caller keeps it.
"""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from .case import Case
from .errors import EvidenceError
from .evidence import ExportedFile, export_one
from .plaintext import decrypted_evidence
from .store import CaseStore

VIEWABLE = {"jpeg": "image", "png": "image", "gif": "image", "pdf": "pdf"}
"""Detected format → how the app shows it (a picture, or PDF pages rendered to pictures)."""


@dataclass(frozen=True)
class Preview:
    """One cleaned evidence file: ``kind`` ``image``/``pdf`` with ``data``, or None when it is
    not shown (``result.warnings`` says why; ``result.removed`` lists what mat2 removed)."""

    result: ExportedFile
    kind: str | None = None
    data: bytes = b""


def cleaned(
    store: CaseStore, key: X25519PrivateKey, case: Case, index: int, workdir: Path
) -> Preview:
    """The cleaned copy of evidence number ``index`` (1-based, as ``show`` and ``evidence``
    number them). EvidenceError if its envelope is missing; EvidenceAlteredError if it is not
    the one the report lists."""
    if not 1 <= index <= len(case.evidence):
        raise EvidenceError(f"there is no evidence {index}")
    one = dataclasses.replace(case, evidence=(case.evidence[index - 1],))  # open no other
    with decrypted_evidence(store, key, one, workdir) as (facts, missing):
        if missing:
            raise EvidenceError(f"evidence {index} has not arrived")
        item = facts.evidence[0]
        with tempfile.TemporaryDirectory(prefix=".bisik-view-", dir=workdir) as out:
            result = export_one(index, item, Path(out))
            kind = VIEWABLE.get(result.format) if result.cleaned else None
            data = result.output.read_bytes() if kind and result.output else b""
    return Preview(result, kind if data else None, data)
