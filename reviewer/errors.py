"""Errors the reviewer tool raises on purpose, each with a translated message and hint.

All subclass :class:`crypto.errors.BisikError`, so ``bisik-reviewer`` prints them with one
handler (``error:`` / ``hint:``). Each class names a catalogue key; the text is looked up when
the error is raised, in the language ``BISIK_LANG`` selects. Tests assert the types only.
"""

from __future__ import annotations

from typing import Any

from crypto.errors import BisikError

from .i18n import t


class ReviewerError(BisikError):
    """Base of the reviewer tool's errors; ``key`` picks the message and hint in the catalogue."""

    key = "err.generic"

    def __init__(self, key: str | None = None, **values: Any) -> None:
        key = key or self.key
        super().__init__(t(key, **values), t(key + ".hint", **values))
        self.key = key


class UsageError(ReviewerError):
    """The command line asked for something impossible (bad value, missing option)."""

    key = "err.usage"


class WrongPassphrase(ReviewerError):
    """The passphrase does not open the key file; nothing was changed."""

    key = "err.wrong_passphrase"


class NotInitialised(ReviewerError):
    """The reviewer home has no keys (or no organisation root, or no directory) yet."""

    key = "err.not_initialised"


class AlreadyExists(ReviewerError):
    """Refused to overwrite keys, a root key or a store that already exists."""

    key = "err.exists"


class CaseNotFound(ReviewerError):
    """No case with that id (or unique id prefix) is in the local store."""

    key = "err.case_not_found"


class StoreError(ReviewerError):
    """The local store is damaged, locked by another command, or of another version."""

    key = "err.store"


class BundleRefused(ReviewerError):
    """An export bundle was refused (bad signature, foreign server, damaged); store untouched."""

    key = "err.bundle_refused"


class DirectoryError(ReviewerError):
    """No trusted directory, or one that is older than the one already trusted."""

    key = "err.directory"
