"""Errors raised when a bundle cannot be read, verified, applied or written (BUNDLE.md §3, §5).

Each class maps to one hint of the catalogue. The message says which check failed (item
number, field), never anything decrypted: bundles hold ciphertext and signed records only,
so naming the failed check is no oracle.
"""

from __future__ import annotations

from crypto.errors import BisikError, FormatError, SignatureError

from .catalogue import hint


class BundleError(BisikError):
    """Base of every bundle problem."""

    _hint_key = "integrity"

    def __init__(self, message: str) -> None:
        super().__init__(message, hint(self._hint_key))


class BundleFormatError(BundleError, FormatError):
    """Not a bundle of this version or direction; malformed header, index or manifest."""

    _hint_key = "format"


class BundleTruncatedError(BundleFormatError):
    """The file ends early (or its recorded length differs from its real length)."""

    _hint_key = "truncated"


class BundleIntegrityError(BundleError):
    """An item differs from the signed index: corrupted, reordered, missing or extra."""

    _hint_key = "integrity"


class BundleSignatureError(BundleError, SignatureError):
    """The manifest or a record is not signed by the key it must be (forged or foreign)."""

    _hint_key = "signature"


class BundleContentError(BundleError):
    """A verified bundle that does not fit the receiver's state (unknown case, bad address)."""

    _hint_key = "content"


class BundleWriteError(BundleError):
    """The bundle could not be written (disk full, permissions); no partial file remains."""

    _hint_key = "write"


class BundleSetupError(BundleError):
    """The keys or directory needed to make or check a bundle are missing or damaged."""

    _hint_key = "setup"


class BundleReadError(BundleError):
    """The bundle file is missing or unreadable (before any content was looked at)."""

    _hint_key = "read"
