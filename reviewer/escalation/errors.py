"""Errors of the evidence, escalation and statistics tools; each carries a ``hint``."""

from __future__ import annotations

from crypto.errors import BisikError


class EvidenceError(BisikError):
    """Evidence could not be exported (missing file, mat2 missing, output not writable)."""

    hint = (
        "Check that the case was imported completely and that mat2 is installed "
        "(apt install mat2)."
    )


class EvidenceAlteredError(EvidenceError):
    """An evidence envelope is not the one the report lists, or its content does not decrypt.

    Raised before any of its plaintext is kept: its header MAC differs from the listed
    ``envelope_mac``, or a payload chunk fails authentication (altered or cut after it was
    listed). Nothing of that file is exported (SPEC §8).
    """

    hint = (
        "Do not use this file: it was altered or replaced after the reporter sent it. "
        "Run `show CASE` to see which evidence is flagged, get a fresh export from the server "
        "operator, and record the incident."
    )


class ConsentError(BisikError):
    """The reporter did not consent to sharing with this authority (or this item)."""

    hint = "Only authorities the reporter ticked may receive a dossier; ask the reporter first."


class RedactionError(BisikError):
    """An identifying detail is neither confirmed for redaction nor explicitly kept."""

    hint = (
        "Confirm each redaction interactively, or give --redactions FILE, or "
        "--accept-all-redactions."
    )


class AuthorityError(BisikError):
    """The authority name is unknown or empty."""

    hint = "Use one of the listed authorities, or --to-other NAME for another body."


class TrackingError(BisikError):
    """A tracking entry is missing or a value (date, outcome) is malformed."""

    hint = "Dates are YYYY-MM-DD; outcomes are sanctioned, not_proven or no_response."


class CalendarError(BisikError):
    """The election calendar file is malformed."""

    hint = "See reviewer/escalation/calendars.json for the expected shape of a calendar."


class StatsError(BisikError):
    """Statistics cannot be shown safely (too few cases, or a threshold below 3)."""

    hint = "Wait until there are more cases, or keep the small-cell threshold at 5."
