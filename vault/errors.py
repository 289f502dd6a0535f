"""Errors of the vault: every one a :class:`crypto.errors.BisikError` with a ``hint``.

Messages never carry a receipt, a lookup tag, an owner token or a file name: only opaque ids.
"""

from __future__ import annotations

from crypto.errors import BisikError


class VaultError(BisikError):
    """Base of every error raised by the storage layer."""

    hint = "The server's storage refused the operation; see the message above."


class CaseNotFoundError(VaultError):
    """No case with this id exists (or it was removed by retention)."""

    hint = "Check the case id; a closed case may have been removed by the retention policy."


class DuplicateCaseError(VaultError):
    """A case with this lookup tag already exists."""

    hint = "Generate a fresh receipt for a new report."


class MissingBlobError(VaultError):
    """A referenced blob is not in the blob store, or its size differs from the reference."""

    hint = "Store the ciphertext in the blob store before referring to it."


class BlobNotFoundError(VaultError):
    """The blob store has no blob with this content address."""

    hint = "The blob was never stored or was removed; restore it from a backup if it mattered."


class BlobIntegrityError(VaultError):
    """Bytes do not hash to the expected SHA-256."""

    hint = "The data was damaged or altered; upload or copy it again."


class DiskFullError(VaultError):
    """The disk filled up during a write; nothing partial was kept."""

    hint = "Free disk space under the state directory, then retry: no half file was left."


class UploadNotFoundError(VaultError):
    """No upload session with this id belongs to this owner (or it expired)."""

    hint = "Start the upload again; unfinished uploads expire after a few days."


class UploadGapError(VaultError):
    """A piece starts after the end of what is stored: a piece in between is missing."""

    hint = "Ask for the stored offset and resume from there."


class UploadSizeError(VaultError):
    """A piece would make the upload longer than its declared size, or the size is invalid."""

    hint = "Resume from the stored offset and send no more than the declared size."


class UploadQuotaError(VaultError):
    """Opening this upload would take open uploads past their quota; nothing was opened."""

    hint = "Try again later: unfinished uploads expire, and finished ones free their share."


class UploadIncompleteError(VaultError):
    """Finishing an upload whose stored bytes are fewer than its declared size."""

    hint = "Ask for the stored offset and send the remaining pieces before finishing."


class UnprovenFollowupError(VaultError):
    """A follow-up whose signature does not verify against the case's follow-up key."""

    hint = "Only the holder of the case's receipt can add to it (crypto/SPEC.md §12)."


class RecordMismatchError(VaultError):
    """A signed record does not belong to the case it is being added to, or is malformed."""

    hint = "The bundle item names another case; do not apply it."


class BackupError(VaultError):
    """A backup archive could not be written or restored."""

    hint = "Restore only into an empty state directory and database, from an intact archive."
