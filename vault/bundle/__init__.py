"""Air-gap transfer bundles (BUNDLE.md): the format, a verifying reader, streaming writers.

Imports only the standard library and ``crypto``: this package runs on the air-gapped
reviewer laptop, which has no SQLAlchemy. The server side (database in and out) is
``vault.transfer``.
"""

from .errors import (
    BundleContentError,
    BundleError,
    BundleFormatError,
    BundleIntegrityError,
    BundleReadError,
    BundleSetupError,
    BundleSignatureError,
    BundleTruncatedError,
    BundleWriteError,
)
from .export import ExportWriter, read_export, record_of
from .manifest import Manifest
from .outbox import OutboxWriter, read_outbox
from .reader import Item, VerifiedBundle

__all__ = [
    "BundleContentError",
    "BundleError",
    "BundleFormatError",
    "BundleIntegrityError",
    "BundleReadError",
    "BundleSetupError",
    "BundleSignatureError",
    "BundleTruncatedError",
    "BundleWriteError",
    "ExportWriter",
    "Item",
    "Manifest",
    "OutboxWriter",
    "VerifiedBundle",
    "read_export",
    "read_outbox",
    "record_of",
]
