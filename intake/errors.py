"""Errors of the intake service. Each is a BisikError with a ``hint`` for the operator, and
(for reporter-facing failures) a catalogue key so the page speaks the reporter's language.

Nothing here carries request data: messages name the problem, never the content.
"""

from __future__ import annotations

from crypto.errors import BisikError


class ConfigError(BisikError):
    """The server home, its config file or one of its secrets is missing or wrong."""

    hint = "Run `bisik-server init` (or `bisik-server demo`) or fix the file named above."


class UploadError(BisikError):
    """A submission could not be accepted; nothing of it was kept.

    ``key`` names the catalogue entry shown to the reporter; ``status`` is the HTTP status.
    """

    hint = "Check the form and the size of the files, then send again."

    def __init__(self, key: str, status: int = 400) -> None:
        super().__init__(f"submission refused: {key}")
        self.key = key
        self.status = status


class AlreadySent(BisikError):
    """A no-JavaScript report form was sent again (a reload of the receipt page) after its
    report was stored; nothing new was created and the receipt cannot be shown again."""

    hint = "Use the receipt written down when the report was first sent."


class FormRefused(BisikError):
    """Code tried to parse a multipart body the buffered way (which would spool plaintext)."""

    hint = "Multipart bodies are read only through intake.multipart.stream_parts."
