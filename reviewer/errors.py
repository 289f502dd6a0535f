"""Errors the reviewer tool raises on purpose, each with a translated message and hint.

One base, :class:`ReviewerError` (a :class:`crypto.errors.BisikError`), so ``bisik-reviewer``
prints every one with one handler (``error:`` / ``hint:``). Each class names a catalogue key;
the text is looked up when the error is raised, in the language ``BISIK_LANG`` selects.

Raise with a catalogue key and its values (``UsageError("err.date", value=text)``), with
nothing (the class's own key), or with a technical detail that is not a key
(``TrackingError(f"not a date: {value!r}")``): the class's message is shown with the detail
after it in brackets, and the class's hint. Tests assert the types only.
"""

from __future__ import annotations

from typing import Any

from crypto.errors import BisikError

from .i18n import has, t


class ReviewerError(BisikError):
    """Base of the reviewer tool's errors; ``key`` picks the message and hint in the catalogue."""

    key = "err.generic"

    def __init__(self, key_or_detail: str | None = None, /, **values: Any) -> None:
        detail = None
        key = key_or_detail or self.key
        if not has(key):
            key, detail = self.key, key_or_detail
        message = t(key, **values)
        super().__init__(f"{message} ({detail})" if detail else message, t(key + ".hint", **values))
        self.key, self.detail = key, detail


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


class EvidenceError(ReviewerError):
    """Evidence could not be exported (missing file, mat2 missing, output not writable)."""

    key = "err.evidence"


class EvidenceAlteredError(EvidenceError):
    """An evidence envelope is not the one the report lists, or its content does not decrypt.

    Raised before any of its plaintext is kept: its header MAC differs from the listed
    ``envelope_mac``, or a payload chunk fails authentication (altered or cut after it was
    listed). Nothing of that file is exported (SPEC §8).
    """

    key = "err.evidence_altered"


class ConsentError(ReviewerError):
    """The reporter did not consent to sharing with this authority (or this item)."""

    key = "err.consent"


class RedactionError(ReviewerError):
    """An identifying detail is neither confirmed for redaction nor explicitly kept."""

    key = "err.redaction"


class AuthorityError(ReviewerError):
    """The authority name is unknown or empty."""

    key = "err.authority_name"


class TrackingError(ReviewerError):
    """A tracking entry is missing or a value (date, outcome) is malformed."""

    key = "err.tracking"


class CalendarError(ReviewerError):
    """The election calendar file is malformed."""

    key = "err.calendar"


class StatsError(ReviewerError):
    """Statistics cannot be shown safely (too few cases, or a threshold below 3)."""

    key = "err.stats"
