"""Seal-on-arrival: a multipart reader handler that turns every file part into an envelope.

The form puts its text fields first and its file inputs last. The first part must be the
CSRF token (checked before anything else is read). When the first file part starts, the text
fields are complete, so ``prepare`` validates them and returns the recipients; from then on
each file part flows ``request stream → Sealer → vault blob writer`` (a temporary file of
ciphertext in the blob store). Nothing is committed to the blob store until the whole body
has been read and ``commit`` is called; ``abort`` (or leaving the ExitStack) removes every
temporary file, so a broken upload leaves nothing behind.

Leaks: ciphertext sizes (Padmé-padded) of files being received, in the blob store's tmp dir.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from crypto.envelope import Sealer
from vault.blobstore import BlobStore, StreamWriter, Written

from . import forms
from .errors import UploadError
from .security import CSRF_FIELD

Prepare = Callable[[dict[str, list[str]]], Sequence[X25519PublicKey]]


@dataclass
class SealedFile:
    """One file being (or already) sealed: where its ciphertext goes and what it was."""

    input_name: str
    name: str
    media_type: str
    sealer: Sealer
    writer: StreamWriter
    size: int = 0

    def write(self, data: bytes) -> None:
        """Plaintext goes into the sealer and nowhere else."""
        self.sealer.write(data)


@dataclass
class SealingHandler:
    """Collects text fields and seals file parts; see the module docstring for the order."""

    blobs: BlobStore
    csrf_ok: Callable[[str], bool]
    prepare: Prepare
    stack: ExitStack
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: list[SealedFile] = field(default_factory=list)
    _recipients: Sequence[X25519PublicKey] | None = None
    _csrf_seen: bool = False

    def _first_part(self, name: str, value: str | None) -> None:
        if not self._csrf_seen:
            if name != CSRF_FIELD or value is None or not self.csrf_ok(value):
                raise UploadError("error.csrf", 403)
            self._csrf_seen = True

    def field(self, name: str, value: str) -> None:
        """Keep a text field (the CSRF token must come first; no text field may follow a file)."""
        self._first_part(name, value)
        if name == CSRF_FIELD:
            return
        if self._recipients is not None:  # a text field after the files: not our form
            raise UploadError("error.malformed")
        self.fields.setdefault(name[:64], []).append(value)

    def open_file(self, name: str, filename: str, media_type: str) -> SealedFile:
        """Start sealing one evidence part: the recipients are fixed now, from the fields so far.

        Refuses inputs that are not the form's evidence slots before any of their bytes is read.
        """
        self._first_part(name, None)
        forms.slot_of(name)  # only the form's evidence inputs, refused before any byte is read
        if self._recipients is None:
            self._recipients = self.prepare(self.fields)
        writer = self.stack.enter_context(self.blobs.writer())
        sealer = Sealer(writer, self._recipients)  # type: ignore[arg-type]  # needs only write()
        self.stack.callback(sealer.abort)  # on any failure: no final chunk, temp file removed
        sealed = SealedFile(name, filename, media_type, sealer, writer)
        self.files.append(sealed)
        return sealed

    def close_file(self, sink: object) -> None:
        """Seal the file's final chunk and note its plaintext size (kept only in the document)."""
        if not isinstance(sink, SealedFile):  # pragma: no cover - only our sinks come back
            raise TypeError("not a sink of this handler")
        sink.sealer.close()
        sink.size = sink.sealer.plaintext_length

    def finish(self) -> None:
        """After the body is read: validate fields if no file arrived; refuse a lone token."""
        if not self._csrf_seen:
            raise UploadError("error.csrf", 403)
        if self._recipients is None:
            self._recipients = self.prepare(self.fields)

    @property
    def recipients(self) -> Sequence[X25519PublicKey]:
        """The reviewers' keys the files were sealed to; UploadError if the form never named any."""
        if self._recipients is None:
            raise UploadError("error.malformed")
        return self._recipients

    def commit(self) -> list[Written]:
        """Move every finished envelope into the blob store; return what each put (its
        reference, and whether it created the stored file: see ``vault.store.Vault.discard``)."""
        return [Written(f.writer.commit(), f.writer.created) for f in self.files]
